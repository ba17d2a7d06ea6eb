#include "model/transformer.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/strings.h"
#include "model/layer_checkpoint.h"
#include "model/mixed_precision.h"
#include "model/rope.h"

namespace grpo {

namespace {

// x [B, H, T, hd] -> HF's rotate_half: (x1, x2) -> (-x2, x1) on the two halves of the last dimension.
torch::Tensor rotate_half(const torch::Tensor& x) {
  int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  return torch::cat({-x2, x1}, -1);
}

// x [B, H, T, hd]; cos/sin [B, 1, T, hd]
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return x * cos + rotate_half(x) * sin;
}

// Softmax attention of grouped queries over keys/values of the same KV head.
// q_grouped [B, Hkv, G*T, hd] (query head h*G+g, step t at row g*T+t); k, v [B, Hkv, S, hd];
// mask [B or 1, 1, T, S] bool (true = may attend) -> [B, Hkv, G*T, hd].
torch::Tensor attend_grouped(const torch::Tensor& q_grouped, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& mask, int64_t groups, int64_t steps) {
  const int64_t batch = q_grouped.size(0), kv_heads = q_grouped.size(1), head_dim = q_grouped.size(3);
  const int64_t keys_len = k.size(2);
  auto scores = torch::matmul(q_grouped, k.transpose(-1, -2))              // [B, Hkv, G*T, S]
                    .reshape({batch, kv_heads, groups, steps, keys_len});  // [B, Hkv, G, T, S]
  scores = scores * (1.0 / std::sqrt(static_cast<double>(head_dim)));
  // mask [B, 1, T, S] -> [B, 1, 1, T, S]; a finite minimum keeps fully masked rows (padding) free of NaN.
  // Softmax in fp32 whatever the model's dtype.
  scores = scores.to(torch::kFloat32)
               .masked_fill(mask.unsqueeze(1).logical_not(), std::numeric_limits<float>::lowest());
  auto probs = torch::softmax(scores, -1).to(q_grouped.scalar_type());
  auto probs_grouped = probs.reshape({batch, kv_heads, groups * steps, keys_len});  // [B, Hkv, G*T, S]
  return torch::matmul(probs_grouped, v);                                           // [B, Hkv, G*T, hd]
}

// Whether to run the attention products in per-thread shares of the batch: on the CPU, without autograd,
// for a few new tokens per sequence (decoding), with more than one thread and sequence.
bool split_attention_across_threads(const torch::Tensor& q_grouped, int64_t steps) {
  return q_grouped.device().is_cpu() && !torch::GradMode::is_enabled() && steps <= 4 &&
         q_grouped.size(0) > 1 && at::get_num_threads() > 1 && !at::in_parallel_region();
}

}  // namespace

// ---------------------------------------------------------------- KVCache

void KVCache::reorder(const torch::Tensor& rows) {
  for (auto& key : keys) key = key.index_select(0, rows);
  for (auto& value : values) value = value.index_select(0, rows);
}

void KVCache::reserve(int64_t extra) {
  if (keys.empty()) fail("KVCache::reserve on an empty cache: create it with Transformer::make_cache");
  int64_t needed = length + extra;
  if (needed <= capacity()) return;
  int64_t new_capacity = std::max(needed, 2 * capacity());
  for (size_t layer = 0; layer < keys.size(); ++layer) {
    for (auto* tensors : {&keys, &values}) {
      auto& old = (*tensors)[layer];
      auto sizes = old.sizes().vec();
      sizes[2] = new_capacity;
      auto grown = torch::zeros(sizes, old.options());
      grown.narrow(2, 0, length).copy_(old.narrow(2, 0, length));
      old = grown;
    }
  }
}

// ---------------------------------------------------------------- RMSNorm

RMSNormImpl::RMSNormImpl(int64_t size, double eps) : eps(eps) {
  weight = register_parameter("weight", torch::ones({size}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto x32 = x.to(torch::kFloat32);
  auto variance = x32.pow(2).mean(-1, /*keepdim=*/true);  // [..., 1]
  auto normed = (x32 * torch::rsqrt(variance + eps)).to(x.scalar_type());
  return weight * normed;
}

// ---------------------------------------------------------------- Attention

AttentionImpl::AttentionImpl(const ModelConfig& config)
    : num_heads(config.num_attention_heads),
      num_kv_heads(config.num_key_value_heads),
      head_dim(config.resolved_head_dim()) {
  int64_t d = config.hidden_size;
  bool qkv_bias = config.has_qkv_bias();
  q_proj =
      register_module("q_proj", LoraLinear(torch::nn::LinearOptions(d, num_heads * head_dim).bias(qkv_bias)));
  k_proj = register_module("k_proj",
                           LoraLinear(torch::nn::LinearOptions(d, num_kv_heads * head_dim).bias(qkv_bias)));
  v_proj = register_module("v_proj",
                           LoraLinear(torch::nn::LinearOptions(d, num_kv_heads * head_dim).bias(qkv_bias)));
  o_proj = register_module(
      "o_proj", LoraLinear(torch::nn::LinearOptions(num_heads * head_dim, d).bias(config.has_o_bias())));
  if (config.has_qk_norm()) {
    q_norm = register_module("q_norm", RMSNorm(head_dim, config.rms_norm_eps));
    k_norm = register_module("k_norm", RMSNorm(head_dim, config.rms_norm_eps));
  }
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin, const torch::Tensor& mask, KVCache* cache,
                                     int64_t layer) {
  const int64_t batch = x.size(0), steps = x.size(1);
  const int64_t groups = num_heads / num_kv_heads;
  auto q = q_proj(x).view({batch, steps, num_heads, head_dim});     // [B, T, H, hd]
  auto k = k_proj(x).view({batch, steps, num_kv_heads, head_dim});  // [B, T, Hkv, hd]
  if (q_norm) {  // Qwen3: normalise each head's query and key before the rotation
    q = q_norm(q);
    k = k_norm(k);
  }
  q = q.transpose(1, 2);                                                            // [B, H, T, hd]
  k = k.transpose(1, 2);                                                            // [B, Hkv, T, hd]
  auto v = v_proj(x).view({batch, steps, num_kv_heads, head_dim}).transpose(1, 2);  // [B, Hkv, T, hd]
  // Under mixed precision the projections come out in bf16 and the rotation in float32: q and k go back to
  // v's dtype, so that the cache, both attention products and the threads of split_attention_across_threads
  // (which do not see autocast's thread-local state) all work in one dtype.
  q = apply_rotary(q, cos, sin).to(v.scalar_type());
  k = apply_rotary(k, cos, sin).to(v.scalar_type());

  if (cache != nullptr) {
    // Append this step's keys/values after the cached ones; attend over everything so far.
    const int64_t past = cache->length;
    cache->keys[layer].narrow(2, past, steps).copy_(k);
    cache->values[layer].narrow(2, past, steps).copy_(v);
    k = cache->keys[layer].narrow(2, 0, past + steps);    // [B, Hkv, S, hd]
    v = cache->values[layer].narrow(2, 0, past + steps);  // [B, Hkv, S, hd]
  }

  // Grouped-query attention without copying K/V per head: the G query heads sharing a KV head are stacked
  // as G*T query rows, so both products are plain batched matmuls over [B, Hkv] (broadcasting over G would
  // copy the cached K/V G times per layer and step).
  auto q_grouped = q.reshape({batch, num_kv_heads, groups * steps, head_dim});  // [B, Hkv, G*T, hd]
  torch::Tensor out;                                                            // [B, Hkv, G*T, hd]
  if (split_attention_across_threads(q_grouped, steps)) {
    // Decoding on the CPU: LibTorch runs a batched matmul of many small matrices as a serial loop, and
    // reading the cached K/V is most of a decode step; each thread takes a share of the sequences instead.
    out = torch::empty_like(q_grouped);
    const bool inference = c10::InferenceMode::is_enabled();
    at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
      c10::InferenceMode inference_mode(inference);
      torch::NoGradGuard no_grad;
      const int64_t rows = end - begin;
      auto rows_mask = mask.size(0) == 1 ? mask : mask.narrow(0, begin, rows);
      out.narrow(0, begin, rows)
          .copy_(attend_grouped(q_grouped.narrow(0, begin, rows), k.narrow(0, begin, rows),
                                v.narrow(0, begin, rows), rows_mask, groups, steps));
    });
  } else {
    out = attend_grouped(q_grouped, k, v, mask, groups, steps);
  }
  out = out.reshape({batch, num_heads, steps, head_dim})
            .transpose(1, 2)
            .reshape({batch, steps, num_heads * head_dim});
  return o_proj(out);  // [B, T, D]
}

// ---------------------------------------------------------------- MLP and block

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& config, int64_t layer) {
  self_attn = register_module("self_attn", Attention(config));
  if (config.is_sparse_layer(layer)) {
    moe = register_module(config.mixtral_names() ? "block_sparse_moe" : "mlp", SparseMoeBlock(config));
  } else {
    mlp = register_module("mlp", MLP(config));
  }
  input_layernorm = register_module("input_layernorm", RMSNorm(config.hidden_size, config.rms_norm_eps));
  post_attention_layernorm =
      register_module("post_attention_layernorm", RMSNorm(config.hidden_size, config.rms_norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                        const torch::Tensor& sin, const torch::Tensor& mask, KVCache* cache,
                                        int64_t layer, const torch::Tensor& token_mask) {
  auto h = x + self_attn(input_layernorm(x), cos, sin, mask, cache, layer);
  return h + feed_forward(post_attention_layernorm(h), token_mask);
}

torch::Tensor DecoderLayerImpl::feed_forward(const torch::Tensor& x, const torch::Tensor& token_mask) {
  return moe ? moe(x, token_mask) : mlp(x);
}

DecoderImpl::DecoderImpl(const ModelConfig& config) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers->push_back(DecoderLayer(config, i));
  norm = register_module("norm", RMSNorm(config.hidden_size, config.rms_norm_eps));
}

// ---------------------------------------------------------------- Transformer

TransformerImpl::TransformerImpl(const ModelConfig& config) : config_(config) {
  config_.validate();
  inverse_frequencies_ = rotary_inverse_frequencies(config_);
  model = register_module("model", Decoder(config_));
  if (!config_.tie_word_embeddings) {
    lm_head = register_module(
        "lm_head",
        torch::nn::Linear(torch::nn::LinearOptions(config_.hidden_size, config_.vocab_size).bias(false)));
  }
}

torch::Device TransformerImpl::device() const {
  return model->embed_tokens->weight.device();
}
torch::Dtype TransformerImpl::dtype() const {
  return model->embed_tokens->weight.scalar_type();
}

KVCache TransformerImpl::make_cache(int64_t batch, int64_t capacity) const {
  KVCache cache;
  // In the compute dtype: bf16 inside a MixedPrecisionScope (what the keys and values come out in).
  auto options = torch::TensorOptions().dtype(active_compute_dtype(device(), dtype())).device(device());
  for (int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    cache.keys.push_back(
        torch::zeros({batch, config_.num_key_value_heads, capacity, config_.resolved_head_dim()}, options));
    cache.values.push_back(
        torch::zeros({batch, config_.num_key_value_heads, capacity, config_.resolved_head_dim()}, options));
  }
  return cache;
}

torch::Tensor TransformerImpl::hidden_states(const torch::Tensor& input_ids, const torch::Tensor& positions,
                                             const torch::Tensor& attention_mask, KVCache* cache) {
  if (input_ids.dim() != 2) fail("Transformer: input_ids must be [B, T], got {} dimensions", input_ids.dim());
  const int64_t batch = input_ids.size(0), steps = input_ids.size(1);
  if (positions.sizes() != input_ids.sizes())
    fail("Transformer: positions must have the shape of input_ids [B, T]");
  const int64_t past = cache != nullptr ? cache->length : 0;
  const int64_t keys_len = past + steps;
  if (cache != nullptr) {
    if (cache->empty()) *cache = make_cache(batch, keys_len);
    if (cache->batch_size() != batch) {
      fail("Transformer: the KV cache holds {} rows but the input has {}", cache->batch_size(), batch);
    }
    cache->reserve(steps);
  }
  auto device = this->device();

  // mask [B, 1, T, S]: key s is visible to query t when it is a real token and not in the future.
  auto key_columns =
      torch::arange(keys_len, torch::TensorOptions().dtype(torch::kLong).device(device));  // [S]
  auto query_columns =
      torch::arange(past, keys_len, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto mask = key_columns.unsqueeze(0) <= query_columns.unsqueeze(1);  // [T, S]
  mask = mask.unsqueeze(0).unsqueeze(0);                               // [1, 1, T, S]
  if (attention_mask.defined()) {
    if (attention_mask.dim() != 2 || attention_mask.size(0) != batch || attention_mask.size(1) != keys_len) {
      fail("Transformer: attention_mask must be [B, S] = [{}, {}] (cached + new tokens), got {}", batch,
           keys_len, c10::str(attention_mask.sizes()));
    }
    mask =
        mask.logical_and(attention_mask.to(device, torch::kBool).unsqueeze(1).unsqueeze(1));  // [B, 1, T, S]
  }

  // The new tokens' own columns: which of them are real (the sparse blocks count load over those only).
  torch::Tensor token_mask;  // [B, T] bool or undefined
  if (attention_mask.defined() && config_.is_moe()) {
    token_mask = attention_mask.to(device, torch::kBool).narrow(1, past, steps);
  }
  auto hidden = run_layers(input_ids, positions, mask, cache, token_mask);
  if (cache != nullptr) cache->length = keys_len;
  return hidden;  // [B, T, D]
}

torch::Tensor TransformerImpl::packed_hidden_states(const torch::Tensor& input_ids,
                                                    const torch::Tensor& positions,
                                                    const torch::Tensor& segment_ids) {
  if (input_ids.dim() != 2) fail("Transformer: input_ids must be [B, T], got {} dimensions", input_ids.dim());
  if (positions.sizes() != input_ids.sizes() || segment_ids.sizes() != input_ids.sizes())
    fail("Transformer: positions and segment_ids must have the shape of input_ids [B, T]");
  auto device = this->device();
  const int64_t steps = input_ids.size(1);
  auto columns = torch::arange(steps, torch::TensorOptions().dtype(torch::kLong).device(device));  // [T]
  auto causal = (columns.unsqueeze(0) <= columns.unsqueeze(1)).unsqueeze(0);  // [1, T, T]
  auto segments = segment_ids.to(device, torch::kLong);                       // [B, T]
  auto same_segment = segments.unsqueeze(2) == segments.unsqueeze(1);         // [B, T, T]
  auto mask = causal.logical_and(same_segment).unsqueeze(1);                  // [B, 1, T, T]
  // Padding (segment -1) is not load for the sparse blocks.
  torch::Tensor token_mask =
      config_.is_moe() ? (segments >= 0) : torch::Tensor();            // [B, T] bool or undefined
  return run_layers(input_ids, positions, mask, nullptr, token_mask);  // [B, T, D]
}

torch::Tensor TransformerImpl::run_layers(const torch::Tensor& input_ids, const torch::Tensor& positions,
                                          const torch::Tensor& mask, KVCache* cache,
                                          const torch::Tensor& token_mask) {
  auto device = this->device();
  // Rotary tables from explicit positions, in fp32 whatever the model's dtype (as HF does):
  // inv_freq [hd/2]; freqs [B, T, hd/2]; cos/sin [B, 1, T, hd] (HF: cat(freqs, freqs)).
  auto inv_freq = inverse_frequencies_.to(device);
  auto freqs = positions.to(device, torch::kFloat32).unsqueeze(-1) * inv_freq;
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(dtype()).unsqueeze(1);
  auto sin = emb.sin().to(dtype()).unsqueeze(1);

  auto x = model->embed_tokens(input_ids.to(device));  // [B, T, D]
  const bool checkpointing =
      gradient_checkpointing_ && cache == nullptr && is_training() && torch::GradMode::is_enabled();
  int64_t layer = 0;
  for (const auto& module : *model->layers) {
    auto* decoder_layer = module->as<DecoderLayer>();
    x = checkpointing ? checkpointed_layer_forward(*decoder_layer, x, cos, sin, mask, layer, token_mask)
                      : decoder_layer->forward(x, cos, sin, mask, cache, layer, token_mask);
    ++layer;
  }
  return model->norm(x);  // [B, T, D]
}

std::vector<SparseMoeBlock> TransformerImpl::sparse_blocks() const {
  std::vector<SparseMoeBlock> blocks;
  for (const auto& module : *model->layers) {
    const auto& moe = module->as<DecoderLayer>()->moe;
    if (moe) blocks.push_back(moe);
  }
  return blocks;
}

torch::Tensor TransformerImpl::auxiliary_loss() const {
  auto total = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(device()));
  for (const auto& block : sparse_blocks()) {
    if (block->auxiliary_loss.defined()) total = total + block->auxiliary_loss;
  }
  return total;
}

void TransformerImpl::update_balancing_biases(double rate) {
  for (auto& block : sparse_blocks()) block->update_balancing_bias(rate);
}

void TransformerImpl::set_routing_reference(const torch::Tensor& experts, bool replay) {
  auto blocks = sparse_blocks();
  if (experts.defined() && experts.size(0) != static_cast<int64_t>(blocks.size())) {
    fail("internal: a routing for {} sparse layers given to a model with {}", experts.size(0), blocks.size());
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    blocks[i]->reference_experts = experts.defined() ? experts[static_cast<int64_t>(i)] : torch::Tensor();
    blocks[i]->replay_reference = replay && experts.defined();
  }
}

void TransformerImpl::set_routing_recording(bool on) {
  for (auto& block : sparse_blocks()) {
    block->record_routing = on;
    if (!on) block->recorded_experts = torch::Tensor();
  }
}

torch::Tensor TransformerImpl::recorded_routing() const {
  std::vector<torch::Tensor> layers;
  for (const auto& block : sparse_blocks()) {
    if (!block->recorded_experts.defined()) return {};
    layers.push_back(block->recorded_experts);
  }
  return layers.empty() ? torch::Tensor() : torch::stack(layers);  // [S, N, k]
}

torch::Tensor TransformerImpl::logits_from_hidden(const torch::Tensor& hidden) {
  if (config_.tie_word_embeddings) return torch::nn::functional::linear(hidden, model->embed_tokens->weight);
  return lm_head(hidden);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& positions,
                                       const torch::Tensor& attention_mask, KVCache* cache) {
  return logits_from_hidden(hidden_states(input_ids, positions, attention_mask, cache));  // [B, T, V]
}

// token_logprobs is in model/token_logprobs.cpp.

// ---------------------------------------------------------------- initialisation

void initialize_weights(TransformerImpl& model, uint64_t seed, double initializer_range) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  const double residual_scale = 1.0 / std::sqrt(2.0 * static_cast<double>(model.config().num_hidden_layers));
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    auto& parameter = item.value();
    if (ends_with(name, "norm.weight")) {
      parameter.fill_(1.0);
    } else if (ends_with(name, ".bias")) {
      parameter.zero_();
    } else {
      bool residual_output = ends_with(name, "o_proj.weight") || ends_with(name, "down_proj.weight") ||
                             ends_with(name, ".w2.weight");  // Mixtral's experts' down projection
      parameter.normal_(0.0, initializer_range * (residual_output ? residual_scale : 1.0));
    }
  }
}

}  // namespace grpo
