// From scored completions to padded tensors the policy update runs on, split into micro-batches by a token
// budget.
//
// Each row is prompt + completion, right-padded: input = tokens[0 .. n-2], target = tokens[1 .. n-1]; the
// log-prob of completion token j sits at position P - 1 + j (P = prompt length).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace grpo {

struct TrainingSequence {
  std::vector<int64_t> prompt_ids;
  std::vector<int64_t> completion_ids;
  double advantage = 0.0;
  bool loss_masked = false;             // contributes no loss (a truncated completion with masking on)
  std::vector<float> old_logprobs;      // [C] the old policy's for the ratio: the rollout's, or recomputed
  std::vector<float> rollout_logprobs;  // [C] the sampler's (truncated importance sampling compares them)
  std::vector<float> ref_logprobs;      // [C] the reference model's, when beta > 0
  torch::Tensor routed_experts;         // [S, n - 1, k] int64: the old policy's experts per input token, when
                                        //   recorded (MoE, trainer/moe_routing.h)
};

struct MicroBatch {
  std::vector<size_t> rows;            // indices into the sequences
  torch::Tensor input_ids;             // [b, L] int64
  torch::Tensor positions;             // [b, L] int64
  torch::Tensor attention_mask;        // [b, L] bool (true = real token)
  torch::Tensor targets;               // [b, L] int64 (next token)
  torch::Tensor completion_positions;  // [b, L] bool: positions predicting a completion token
  torch::Tensor loss_mask;             // [b, L] float: completion_positions of rows that are not loss_masked
  torch::Tensor advantages;            // [b] float
  int64_t tokens() const { return input_ids.numel(); }
};

// Groups `rows` (in order) into micro-batches whose padded size (rows x longest row) stays within
// `token_budget` (a single row longer than the budget gets a micro-batch of its own). token_budget <= 0: one
// micro-batch.
std::vector<std::vector<size_t>> split_by_token_budget(const std::vector<TrainingSequence>& sequences,
                                                       const std::vector<size_t>& rows, int64_t token_budget);

MicroBatch make_micro_batch(const std::vector<TrainingSequence>& sequences, const std::vector<size_t>& rows,
                            const torch::Device& device);

// Per-sequence values ([C] each) placed at their positions in a [b, L] tensor (0 elsewhere).
torch::Tensor scatter_completion_values(const std::vector<TrainingSequence>& sequences,
                                        const MicroBatch& batch, std::vector<float> TrainingSequence::*field);

// The inverse: row values of a [b, L] tensor at the completion positions, stored into each sequence's
// `field`.
void gather_completion_values(std::vector<TrainingSequence>& sequences, const MicroBatch& batch,
                              const torch::Tensor& values, std::vector<float> TrainingSequence::*field);

}  // namespace grpo
