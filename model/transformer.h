// Transformer: a decoder-only Llama / Qwen2 / Qwen3 model (RMSNorm, GQA attention with rotary embeddings in
// Hugging Face's rotate-half convention and optional llama3 / linear frequency scaling, Qwen3's per-head q/k
// RMSNorm, SwiGLU MLP, optional tied head, optional attention biases), or its mixture-of-experts variant
// (Qwen2-MoE, Qwen3-MoE, Mixtral: model/moe.h). Parameter names follow Hugging Face's
// (`model.layers.0.self_attn.q_proj.weight`, `lm_head.weight`), so named_parameters() and named_buffers()
// (the MoE balancing biases) are the safetensors map.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "model/config.h"
#include "model/lora.h"
#include "model/moe.h"

namespace grpo {

// Keys and values of past tokens, per layer, preallocated to `capacity` columns.
// Rows are sequences; reorder() selects/duplicates rows (share one prompt's cache among its G samples, drop
// finished sequences).
struct KVCache {
  std::vector<torch::Tensor> keys;    // per layer [B, n_kv, capacity, head_dim]
  std::vector<torch::Tensor> values;  // per layer [B, n_kv, capacity, head_dim]
  int64_t length = 0;                 // filled columns

  bool empty() const { return keys.empty(); }
  int64_t batch_size() const { return keys.empty() ? 0 : keys.front().size(0); }
  int64_t capacity() const { return keys.empty() ? 0 : keys.front().size(2); }
  // rows: [B'] int64 indices into the current batch.
  void reorder(const torch::Tensor& rows);
  // Ensures room for `extra` more columns (grows geometrically).
  void reserve(int64_t extra);
};

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t size, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // [..., D] -> [..., D]
  torch::Tensor weight;                           // [D]
  double eps;
};
TORCH_MODULE(RMSNorm);

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const ModelConfig& config);
  // x [B, T, D]; cos/sin [B, T, head_dim]; mask [B, 1, T, S] bool (true = may attend), S = past + T.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, KVCache* cache, int64_t layer);
  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};  // LoRA targets (lora.h)
  RMSNorm q_norm{nullptr}, k_norm{nullptr};  // Qwen3 only: [head_dim] each, over every head's queries / keys
  int64_t num_heads, num_kv_heads, head_dim;
};
TORCH_MODULE(Attention);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  // Layer `layer` of `config`: its feed-forward part is the dense MLP or, on the sparse layers of an MoE
  // model, the sparse block (registered as "mlp", Mixtral's as "block_sparse_moe").
  DecoderLayerImpl(const ModelConfig& config, int64_t layer);
  // token_mask [B, T] bool (true = a real token) or undefined: what the sparse block counts as load.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, KVCache* cache, int64_t layer,
                        const torch::Tensor& token_mask = {});
  // x [B, T, D] -> [B, T, D]: the MLP or the sparse block.
  torch::Tensor feed_forward(const torch::Tensor& x, const torch::Tensor& token_mask = {});
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Attention self_attn{nullptr};
  MLP mlp{nullptr};             // dense layers
  SparseMoeBlock moe{nullptr};  // sparse layers
};
TORCH_MODULE(DecoderLayer);

// The `model.` part of Hugging Face's *ForCausalLM: embeddings, layers, final norm.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const ModelConfig& config);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(Decoder);

class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const ModelConfig& config);

  // input_ids [B, T] int64; positions [B, T] int64 (rotary positions: left padding is allowed);
  // attention_mask [B, S] bool with S = cache->length + T (true = a real token, may be attended), or
  // undefined for "all real"; causality is always applied on top. With a cache, keys/values of the T new
  // tokens are appended to it. Returns the final hidden states [B, T, D] (after the final norm).
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& positions,
                              const torch::Tensor& attention_mask, KVCache* cache = nullptr);
  // Packed rows: several examples side by side in one row, each attending only to itself.
  // input_ids, positions, segment_ids [B, T] int64; query t sees key s when s <= t and both carry the same
  // segment id (positions normally restart at 0 with each example). No cache. Returns hidden [B, T, D], for
  // each example what hidden_states() gives for it alone.
  torch::Tensor packed_hidden_states(const torch::Tensor& input_ids, const torch::Tensor& positions,
                                     const torch::Tensor& segment_ids);
  // hidden [..., D] -> logits [..., V]
  torch::Tensor logits_from_hidden(const torch::Tensor& hidden);
  // logits [B, T, V] for every position.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& positions,
                        const torch::Tensor& attention_mask, KVCache* cache = nullptr);

  // An empty cache for `batch` rows with room for `capacity` tokens, on the model's device and dtype.
  KVCache make_cache(int64_t batch, int64_t capacity) const;

  // The sparse blocks of an MoE model, in layer order (empty for a dense model).
  std::vector<SparseMoeBlock> sparse_blocks() const;
  // The sum over sparse blocks of the balance loss (times router_aux_loss_coef) of the last forward in grad
  // mode, for the trainer to add to its loss; a zero scalar when there is none.
  torch::Tensor auxiliary_loss() const;
  // Auxiliary-loss-free balancing: every block's bias nudged by the load observed since the last call.
  void update_balancing_biases(double rate);
  // Routing replay and comparison (see SparseMoeBlockImpl): experts [S, N, k] int64, one [N, k] per sparse
  // block, for the N = B * T tokens of the next forwards; undefined clears it.
  void set_routing_reference(const torch::Tensor& experts, bool replay);
  // Recording: each sparse block keeps the experts of its last forward; recorded_routing() stacks them,
  // [S, N, k] int64 (undefined for a dense model or before a forward).
  void set_routing_recording(bool on);
  torch::Tensor recorded_routing() const;

  // Gradient checkpointing (model/layer_checkpoint.h): in training mode with autograd on and no cache, each
  // decoder layer keeps only its input and recomputes the rest in the backward pass. Off by default.
  void set_gradient_checkpointing(bool enabled) { gradient_checkpointing_ = enabled; }
  bool gradient_checkpointing() const { return gradient_checkpointing_; }

  const ModelConfig& config() const { return config_; }
  torch::Device device() const;
  torch::Dtype dtype() const;

  Decoder model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // absent from parameters() when tied (uses embed_tokens.weight)

 private:
  // The layers and the final norm over embedded input_ids; mask [B or 1, 1, T, S] bool (true = may attend);
  // token_mask [B, T] bool (true = a real token) or undefined: what the sparse blocks count as load.
  torch::Tensor run_layers(const torch::Tensor& input_ids, const torch::Tensor& positions,
                           const torch::Tensor& mask, KVCache* cache, const torch::Tensor& token_mask);

  ModelConfig config_;
  torch::Tensor inverse_frequencies_;  // [head_dim / 2] float32 on the CPU (rotary_inverse_frequencies)
  bool gradient_checkpointing_ = false;
};
TORCH_MODULE(Transformer);

// Per-token log-probabilities of `targets` under the model, computing logits only where `loss_mask` is true
// and in chunks of `chunk_tokens` rows, so that [B, T, V] is never materialised at once.
//   hidden [B, T, D] from hidden_states(); targets [B, T] int64 (the token at t+1 for position t);
//   loss_mask [B, T] bool. Logits are divided by `temperature` first (the rollout's sampling distribution).
// Returns logprobs [B, T] (0 where masked) and, when `entropy` is non-null, the entropy [B, T] of the same
// distribution (0 where masked; no gradient).
torch::Tensor token_logprobs(TransformerImpl& model, const torch::Tensor& hidden,
                             const torch::Tensor& targets, const torch::Tensor& loss_mask,
                             double temperature = 1.0, torch::Tensor* entropy = nullptr,
                             int64_t chunk_tokens = 1024);

// Random initialisation as Hugging Face does it: normal(0, initializer_range) for linear and embedding
// weights, zeros for biases, ones for norms; output projections scaled by 1/sqrt(2 * layers) (GPT-2 style)
// for stability.
void initialize_weights(TransformerImpl& model, uint64_t seed, double initializer_range = 0.02);

}  // namespace grpo
