// Sampling controls and the token sampler: temperature, top-k, top-p, min-p, applied to a batch of logits.
//
// The order is Hugging Face's: logits / temperature, then top-k, then top-p, then min-p; the kept tokens are
// renormalised. Temperature 0 means greedy (argmax). Randomness comes from uniforms the caller supplies (one
// per row), so every sequence can own a seeded generator and results do not depend on how rows are batched.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace grpo {

struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy
  int64_t top_k = 0;         // keep the k most likely tokens (ties with the k-th are kept); 0 = off
  double top_p = 1.0;        // keep the smallest most-likely set whose probability reaches top_p; 1 = off
  double min_p = 0.0;  // keep tokens whose probability is at least min_p x the most likely one's; 0 = off

  bool greedy() const { return temperature <= 0.0; }
  // Throws grpo::Error naming the field and value when out of range (vocab_size bounds top_k).
  void validate(int64_t vocab_size) const;
};

// logits [B, V] -> logits / temperature with removed tokens set to -inf ([B, V], float32).
// Greedy parameters return the logits unscaled.
torch::Tensor filter_logits(const torch::Tensor& logits, const SamplingParams& params);

// Draws one token per row from softmax(filtered_logits) by inverse CDF with the given uniforms.
//   filtered_logits [B, V] (float32, -inf = removed); uniforms [B] in [0, 1). Returns token ids [B] int64.
torch::Tensor sample_with_uniforms(const torch::Tensor& filtered_logits, const torch::Tensor& uniforms);

// The log-probability of `tokens` that the trainer's ratio uses: log_softmax(logits / T) at the token, over
// the whole vocabulary (T = 1 when greedy). Top-k/top-p/min-p truncation is NOT part of it, as in TRL and
// verl, so the trainer can recompute it exactly from a teacher-forced forward pass. logits [B, V], tokens [B]
// -> [B] float32.
torch::Tensor sampling_logprobs(const torch::Tensor& logits, const torch::Tensor& tokens, double temperature);

}  // namespace grpo
