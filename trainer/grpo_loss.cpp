#include "trainer/grpo_loss.h"

#include <torch/torch.h>

#include "core/error.h"

namespace grpo {

LossType parse_loss_type(const std::string& name) {
  if (name == "grpo") return LossType::kGrpo;
  if (name == "bnpo") return LossType::kBnpo;
  if (name == "dapo") return LossType::kDapo;
  if (name == "dr_grpo") return LossType::kDrGrpo;
  fail("loss_type '{}' is not known: use grpo, bnpo, dapo or dr_grpo", name);
}

ImportanceLevel parse_importance_level(const std::string& name) {
  if (name == "token") return ImportanceLevel::kToken;
  if (name == "sequence") return ImportanceLevel::kSequence;
  fail("importance_sampling_level '{}' is not known: use token or sequence", name);
}

torch::Tensor truncated_importance_weights(const torch::Tensor& train_logprobs,
                                           const torch::Tensor& rollout_logprobs, double cap) {
  return torch::exp(train_logprobs.detach() - rollout_logprobs.detach()).clamp_max(cap);  // [B, T]
}

LossOutput grpo_loss(const LossInputs& in, const LossSettings& settings, const MinibatchTotals& totals) {
  const auto& mask = in.mask;                               // [B, T]
  auto log_ratio = in.logprobs - in.old_logprobs.detach();  // [B, T]
  auto tokens_per_sequence = mask.sum(1).clamp_min(1.0);    // [B]
  if (settings.importance_level == ImportanceLevel::kSequence) {
    auto sequence_log_ratio = (log_ratio * mask).sum(1) / tokens_per_sequence;  // [B]
    log_ratio = sequence_log_ratio.unsqueeze(1).expand_as(mask);
  }
  auto ratio = torch::exp(log_ratio);                                                       // [B, T]
  auto clipped = torch::clamp(ratio, 1.0 - settings.epsilon, 1.0 + settings.epsilon_high);  // [B, T]
  auto advantages = in.advantages.unsqueeze(1);                                             // [B, 1]
  auto per_token = -torch::min(ratio * advantages, clipped * advantages);                   // [B, T]
  if (in.is_weights.defined()) per_token = per_token * in.is_weights.detach();

  LossOutput out;
  if (settings.beta != 0.0) {
    if (!in.ref_logprobs.defined()) fail("beta = {} needs reference log-probs", settings.beta);
    auto delta = in.ref_logprobs.detach() - in.logprobs;
    auto kl = torch::exp(delta) - delta - 1.0;  // [B, T], k3 >= 0
    per_token = per_token + settings.beta * kl;
    out.kl_sum = (kl * mask).sum().item<double>();
  }

  switch (settings.loss_type) {
    case LossType::kGrpo:
      out.loss = ((per_token * mask).sum(1) / tokens_per_sequence).sum() / totals.sequences;
      break;
    case LossType::kBnpo:
    case LossType::kDapo:
      out.loss = (per_token * mask).sum() / std::max(1.0, totals.completion_tokens);
      break;
    case LossType::kDrGrpo:
      out.loss =
          (per_token * mask).sum() / (totals.sequences * static_cast<double>(settings.max_completion_length));
      break;
  }

  torch::NoGradGuard no_grad;
  auto low = (ratio < 1.0 - settings.epsilon).logical_and(advantages < 0).to(mask.scalar_type());
  auto high = (ratio > 1.0 + settings.epsilon_high).logical_and(advantages > 0).to(mask.scalar_type());
  out.masked_tokens = mask.sum().item<double>();
  out.clipped_low_sum = (low * mask).sum().item<double>();
  out.clipped_high_sum = (high * mask).sum().item<double>();
  return out;
}

}  // namespace grpo
