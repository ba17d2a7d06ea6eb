// Top-k, top-p and min-p applied in place to temperature-scaled scores: shared by filter_logits
// (rollout/sampling.h) and the engine's TokenSampler, so that both remove exactly the same tokens.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "rollout/sampling.h"

namespace grpo {

// Whether `params` remove any token from a vocabulary of `vocab` ids (top-k below it, top-p < 1, min-p > 0).
bool truncates(const SamplingParams& params, int64_t vocab);

// scores [B, V] float32 (logits / T): removed tokens set to -inf, in Hugging Face's order (top-k, top-p,
// min-p).
void truncate_logits_(torch::Tensor& scores, const SamplingParams& params);

}  // namespace grpo
