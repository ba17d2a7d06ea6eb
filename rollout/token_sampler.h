// TokenSampler: the rollout engine's per-step draw (one token per row and its log-probability), with the
// full-vocabulary work done in [rows, V] buffers kept from step to step.
//
// Allocating those temporaries afresh at every step is what made big-vocabulary sampling slow: a [64, 151936]
// float32 tensor is 39 MB, above glibc's largest mmap threshold (32 MiB), so each one was mapped, faulted in
// page by page and unmapped again, several times per generated token. The results equal the reference
// composition (filter_logits, sample_with_uniforms, sampling_logprobs in rollout/sampling.h) bit for bit.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "rollout/sampling.h"

namespace grpo {

class TokenSampler {
 public:
  // Ids >= `sampleable` (a model vocabulary padded beyond the tokenizer's) are never drawn; their probability
  // still counts in the log-probability, which is over the whole vocabulary.
  TokenSampler(const SamplingParams& params, int64_t sampleable);

  struct Draw {
    torch::Tensor tokens;    // [A] int64
    torch::Tensor logprobs;  // [A] float32: log_softmax(logits / T)[token] (T = 1 when greedy)
  };
  // logits [A, V] (any float dtype); uniforms [A] float32 in [0, 1), one per row (unused when greedy). A may
  // shrink from call to call (finished rows dropped); the buffers keep the largest size seen.
  Draw draw(const torch::Tensor& logits, const torch::Tensor& uniforms);

 private:
  torch::Tensor buffer(torch::Tensor& storage, const torch::Tensor& like);  // [A, V] float32 view of storage

  SamplingParams params_;
  int64_t sampleable_;
  torch::Tensor scores_, probs_, cdf_;  // [rows, V] float32 each
};

}  // namespace grpo
