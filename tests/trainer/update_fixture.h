// A tiny random Qwen2 model (q/k/v biases, every norm and bias non-trivial) and eight training sequences in
// two groups of four, for the policy-update tests: prompts of different lengths, completions of 2..10 tokens,
// one truncated completion masked out of the loss, advantages of both signs, and old log-probs that differ
// from the model's own by up to +-0.4 so that the clipped branches are taken.
#pragma once

#include <vector>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "trainer/training_batch.h"

namespace grpo::testing {

inline constexpr int64_t kUpdateMaxCompletionLength = 10;
inline constexpr double kUpdateTemperature = 0.9;

ModelConfig update_model_config();
Transformer update_model();  // the same weights on every call
// Old log-probs are `model`'s at kUpdateTemperature, perturbed.
std::vector<TrainingSequence> update_sequences(TransformerImpl& model);
// One training sequence per generated completion (prompt + completion ids, in the result's order), for
// comparing the trainer's log-probs with the rollout engine's.
std::vector<TrainingSequence> sequences_of(const std::vector<std::vector<int64_t>>& prompts,
                                           const GenerationResult& result);

}  // namespace grpo::testing
