// The anatomy of one decode step: a whole step (one new token per row through the KV cache, then sampling)
// timed next to its parts, each run alone through the model's own modules at the same batch and context.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "model/transformer.h"
#include "rollout/sampling.h"

namespace grpo::bench {

struct DecodeStepProfile {  // seconds per decode step, all layers together
  int64_t rows = 0, context = 0;
  double forward = 0.0;      // hidden_states for one token per row + lm_head (what the engine's decode times)
  double projections = 0.0;  // q/k/v/o linear layers
  double attention_core =
      0.0;                // the attention modules minus their projections: rotary, scores, mask, softmax
  double mlp = 0.0;       // gate/up/down and SiLU
  double norms = 0.0;     // RMSNorms (2 per layer + the final one)
  double lm_head = 0.0;   // [rows, D] x [D, V]
  double sampling = 0.0;  // softmax/CDF draw and log-probabilities over [rows, V], tokens to the host
  // The rest of the forward pass: embedding, rotary tables, mask, residual adds, per-op dispatch.
  double other() const { return forward - projections - attention_core - mlp - norms - lm_head; }
};

// `rows` sequences with `context` keys cached (random keys/values), one new token each.
inline DecodeStepProfile profile_decode_step(TransformerImpl& model, int64_t rows, int64_t context,
                                             double seconds_per_part = 0.6) {
  c10::InferenceMode inference_mode;
  const auto& config = model.config();
  const torch::Device device = model.device();
  const auto options = torch::TensorOptions().dtype(model.dtype()).device(device);
  const int64_t layers = config.num_hidden_layers, hd = config.resolved_head_dim();
  DecodeStepProfile profile;
  profile.rows = rows;
  profile.context = context;

  KVCache cache = model.make_cache(rows, context + 1);
  for (int64_t layer = 0; layer < layers; ++layer) {
    cache.keys[layer].normal_();
    cache.values[layer].normal_();
  }
  auto ids = torch::randint(3, config.vocab_size, {rows, 1},
                            torch::TensorOptions().dtype(torch::kLong).device(device));
  auto positions = torch::full({rows, 1}, context, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto key_mask = torch::ones({rows, context + 1}, torch::TensorOptions().dtype(torch::kBool).device(device));
  auto timed = [&](auto body) { return best_seconds_per_call(device, seconds_per_part, body); };

  profile.forward = timed([&] {
    cache.length = context;  // hidden_states appends one column; start from the same context every time
    auto hidden = model.hidden_states(ids, positions, key_mask, &cache);  // [rows, 1, D]
    model.logits_from_hidden(hidden.select(1, 0));                        // [rows, V]
  });
  cache.length = context;

  auto x = torch::randn({rows, 1, config.hidden_size}, options) * 0.5;  // [rows, 1, D]
  auto heads_out =
      torch::randn({rows, 1, config.num_attention_heads * hd}, options) * 0.5;  // [rows, 1, H*hd]
  auto cos = torch::ones({rows, 1, 1, hd}, options);  // [rows, 1, T, hd]: position 0's rotation
  auto sin = torch::zeros({rows, 1, 1, hd}, options);
  auto mask = key_mask.unsqueeze(1).unsqueeze(1);  // [rows, 1, 1, S]
  std::vector<DecoderLayerImpl*> blocks;
  for (const auto& module : *model.model->layers) blocks.push_back(module->as<DecoderLayerImpl>());

  profile.projections = timed([&] {
    for (auto* block : blocks) {
      auto& attention = *block->self_attn;
      attention.q_proj(x);
      attention.k_proj(x);
      attention.v_proj(x);
      attention.o_proj(heads_out);
    }
  });
  double attention_modules = timed([&] {
    for (int64_t layer = 0; layer < layers; ++layer)
      blocks[layer]->self_attn(x, cos, sin, mask, &cache, layer);
  });
  profile.attention_core = attention_modules - profile.projections;
  profile.mlp = timed([&] {
    for (auto* block : blocks) block->feed_forward(x);
  });
  profile.norms = timed([&] {
    for (auto* block : blocks) {
      block->input_layernorm(x);
      block->post_attention_layernorm(x);
    }
    model.model->norm(x);
  });
  auto last_hidden = x.select(1, 0);  // [rows, D]
  profile.lm_head = timed([&] { model.logits_from_hidden(last_hidden); });

  auto logits = model.logits_from_hidden(last_hidden);  // [rows, V]
  auto uniforms = torch::rand({rows});
  SamplingParams sampling;  // temperature 1, no truncation: what the benchmark's engine runs use
  profile.sampling = timed([&] {
    auto tokens = sample_with_uniforms(filter_logits(logits, sampling), uniforms);
    auto logprobs = sampling_logprobs(logits, tokens, sampling.temperature);
    tokens.to(torch::kCPU);
    logprobs.to(torch::kCPU);
  });
  return profile;
}

}  // namespace grpo::bench
