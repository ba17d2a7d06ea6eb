// The GRPO objective and its variants, per token, aggregated over a minibatch that may be split into
// micro-batches.
//
//   ratio      rho = exp(logp - old_logp)                       (token level)
//              s_i = exp(mean_t(logp - old_logp))  per sequence (sequence level, GSPO)
//   per token  L = -min(rho A, clip(rho, 1 - epsilon, 1 + epsilon_high) A) + beta * KL
//   KL (k3)    exp(ref_logp - logp) - (ref_logp - logp) - 1      (only when beta > 0)
//   TIS        the policy-gradient term times w = min(exp(old_logp_train - logp_rollout), C), no gradient
//              (verl's truncated importance sampling: corrects for a rollout engine whose numerics differ)
//
// Aggregation (`loss_type`), m = completion mask, over the whole minibatch even when it is split into
// micro-batches:
//   grpo     sum over sequences of (sum_t m L / sum_t m), divided by the minibatch's sequences
//   bnpo     sum m L / the minibatch's completion tokens
//   dapo     the same (TRL's bnpo normalises by each process's tokens, its dapo by all processes': one
//   process here) dr_grpo  sum m L / (the minibatch's sequences x max_completion_length)
// So the micro-batch losses add up to the minibatch loss, and their gradients to its gradient.
#pragma once

#include <torch/types.h>

#include <string>

namespace grpo {

enum class LossType { kGrpo, kBnpo, kDapo, kDrGrpo };
enum class ImportanceLevel { kToken, kSequence };
LossType parse_loss_type(const std::string& name);                // grpo | bnpo | dapo | dr_grpo
ImportanceLevel parse_importance_level(const std::string& name);  // token | sequence

struct LossSettings {
  LossType loss_type = LossType::kDapo;
  ImportanceLevel importance_level = ImportanceLevel::kToken;
  double epsilon = 0.2;                 // epsilon_low
  double epsilon_high = 0.2;            // DAPO's clip-higher uses 0.28
  double beta = 0.0;                    // KL coefficient; 0 = no reference model
  int64_t max_completion_length = 256;  // dr_grpo's constant normaliser
};

// Totals over the minibatch a micro-batch belongs to.
struct MinibatchTotals {
  double sequences = 0;
  double completion_tokens = 0;  // of the sequences not masked out of the loss
};

struct LossInputs {
  torch::Tensor logprobs;      // [B, T] current policy, differentiable
  torch::Tensor old_logprobs;  // [B, T] policy that sampled (no gradient)
  torch::Tensor ref_logprobs;  // [B, T] reference model; undefined when beta = 0
  torch::Tensor advantages;    // [B]
  torch::Tensor mask;          // [B, T] 1 on completion tokens that count, 0 elsewhere (float)
  torch::Tensor is_weights;    // [B, T] truncated importance weights (no gradient); undefined = 1
};

struct LossOutput {
  torch::Tensor loss;  // scalar: this micro-batch's share of the minibatch loss
  // Token statistics over the micro-batch's masked tokens (sums, so that micro-batches add up):
  double masked_tokens = 0;
  double kl_sum = 0;            // sum of the k3 KL (0 when beta = 0)
  double clipped_low_sum = 0;   // ratio < 1 - epsilon with A < 0
  double clipped_high_sum = 0;  // ratio > 1 + epsilon_high with A > 0
};

LossOutput grpo_loss(const LossInputs& inputs, const LossSettings& settings, const MinibatchTotals& totals);

// Truncated importance sampling weights: min(exp(train_logprobs - rollout_logprobs), cap), detached.
// train_logprobs, rollout_logprobs [B, T] -> [B, T].
torch::Tensor truncated_importance_weights(const torch::Tensor& train_logprobs,
                                           const torch::Tensor& rollout_logprobs, double cap);

}  // namespace grpo
