// The GRPO loss and advantages against values computed by hand on tiny tensors, a finite-difference gradient
// check, and the mu = 1 policy-gradient identity.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "trainer/advantages.h"
#include "trainer/grpo_loss.h"

namespace grpo {
namespace {

// Two sequences, three positions; the last position of sequence 0 is masked.
// Log-ratios: seq 0: [0, ln 1.5, 0.3 (masked)], seq 1: [ln 0.5, ln 1.1, 0]. Advantages [1, -1]; epsilon 0.2.
// Per-token losses by hand: seq 0: -1, -1.2 (clipped at 1.2); seq 1: 0.8 (clipped at 0.8), 1.1, 1.
struct Fixture {
  torch::Tensor old_logprobs = torch::tensor({{-1.0, -2.0, -0.5}, {-1.5, -0.7, -3.0}}, torch::kDouble);
  torch::Tensor log_ratio =
      torch::tensor({{0.0, std::log(1.5), 0.3}, {std::log(0.5), std::log(1.1), 0.0}}, torch::kDouble);
  torch::Tensor mask = torch::tensor({{1.0, 1.0, 0.0}, {1.0, 1.0, 1.0}}, torch::kDouble);
  torch::Tensor advantages = torch::tensor({1.0, -1.0}, torch::kDouble);

  LossInputs inputs() const {
    LossInputs in;
    in.old_logprobs = old_logprobs;
    in.logprobs = (old_logprobs + log_ratio).set_requires_grad(true);
    in.advantages = advantages;
    in.mask = mask;
    return in;
  }
};

MinibatchTotals whole_batch() {
  return {2.0, 5.0};
}

double loss_of(LossType type, const LossInputs& in, LossSettings settings = {}) {
  settings.loss_type = type;
  settings.max_completion_length = 4;
  return grpo_loss(in, settings, whole_batch()).loss.item<double>();
}

TEST(GrpoLoss, EveryAggregationMatchesHandValues) {
  Fixture f;
  auto in = f.inputs();
  const double seq0 = (-1.0 - 1.2) / 2, seq1 = (0.8 + 1.1 + 1.0) / 3, sum = -2.2 + 2.9;
  EXPECT_NEAR(loss_of(LossType::kGrpo, in), (seq0 + seq1) / 2, 1e-12);
  EXPECT_NEAR(loss_of(LossType::kDapo, in), sum / 5, 1e-12);
  EXPECT_NEAR(loss_of(LossType::kBnpo, in), sum / 5, 1e-12);
  EXPECT_NEAR(loss_of(LossType::kDrGrpo, in), sum / (2 * 4), 1e-12);
}

TEST(GrpoLoss, ClipStatisticsCountTheClippedBranches) {
  Fixture f;
  LossSettings settings;
  auto out = grpo_loss(f.inputs(), settings, whole_batch());
  EXPECT_EQ(out.masked_tokens, 5.0);
  EXPECT_EQ(out.clipped_low_sum, 1.0);   // seq 1, token 0: ratio 0.5 < 0.8 with A < 0
  EXPECT_EQ(out.clipped_high_sum, 1.0);  // seq 0, token 1: ratio 1.5 > 1.2 with A > 0
  settings.epsilon_high = 0.6;           // clip-higher: 1.5 is inside [0.8, 1.6] now
  auto wider = grpo_loss(f.inputs(), settings, whole_batch());
  EXPECT_EQ(wider.clipped_high_sum, 0.0);
  EXPECT_NEAR(wider.loss.item<double>(), (-1.0 - 1.5 + 2.9) / 5, 1e-12);
}

TEST(GrpoLoss, K3KlIsAddedWithBeta) {
  Fixture f;
  auto in = f.inputs();
  auto delta = torch::tensor({{0.1, -0.2, 5.0}, {0.3, 0.0, -0.4}}, torch::kDouble);  // ref - logp
  in.ref_logprobs = in.logprobs.detach() + delta;
  LossSettings settings;
  settings.beta = 0.5;
  auto out = grpo_loss(in, settings, whole_batch());
  double kl = 0;
  const double d[] = {0.1, -0.2, 0.3, 0.0, -0.4};  // the unmasked ones
  for (double x : d) kl += std::exp(x) - x - 1;
  EXPECT_NEAR(out.kl_sum, kl, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), (0.7 + 0.5 * kl) / 5, 1e-12);
  settings.beta = 0.5;
  in.ref_logprobs = torch::Tensor();
  EXPECT_THROW(grpo_loss(in, settings, whole_batch()), Error);
}

TEST(GrpoLoss, SequenceLevelRatioIsGspo) {
  Fixture f;
  LossSettings settings;
  settings.loss_type = LossType::kGrpo;
  settings.importance_level = ImportanceLevel::kSequence;
  auto out = grpo_loss(f.inputs(), settings, whole_batch());
  double s0 = std::sqrt(1.5);        // exp(mean(0, ln 1.5)) = 1.2247 -> clipped to 1.2 (A > 0)
  double s1 = std::cbrt(0.5 * 1.1);  // 0.8193, inside the clip range
  ASSERT_GT(s0, 1.2);
  EXPECT_NEAR(out.loss.item<double>(), (-1.2 + s1) / 2, 1e-12);
}

TEST(GrpoLoss, MicroBatchesAddUpToTheMinibatch) {
  Fixture f;
  for (LossType type : {LossType::kGrpo, LossType::kBnpo, LossType::kDapo, LossType::kDrGrpo}) {
    LossSettings settings;
    settings.loss_type = type;
    settings.max_completion_length = 4;
    auto whole = grpo_loss(f.inputs(), settings, whole_batch()).loss.item<double>();
    double parts = 0;
    for (int64_t row = 0; row < 2; ++row) {
      auto in = f.inputs();
      LossInputs part;
      part.logprobs = in.logprobs.narrow(0, row, 1);
      part.old_logprobs = in.old_logprobs.narrow(0, row, 1);
      part.advantages = in.advantages.narrow(0, row, 1);
      part.mask = in.mask.narrow(0, row, 1);
      parts += grpo_loss(part, settings, whole_batch()).loss.item<double>();
    }
    EXPECT_NEAR(parts, whole, 1e-12) << static_cast<int>(type);
  }
}

TEST(GrpoLoss, FiniteDifferenceGradientInDoublePrecision) {
  Fixture f;
  for (LossType type : {LossType::kGrpo, LossType::kBnpo, LossType::kDapo, LossType::kDrGrpo}) {
    for (ImportanceLevel level : {ImportanceLevel::kToken, ImportanceLevel::kSequence}) {
      LossSettings settings;
      settings.loss_type = type;
      settings.importance_level = level;
      settings.beta = 0.1;
      settings.max_completion_length = 4;
      auto in = f.inputs();
      in.ref_logprobs = in.logprobs.detach() + 0.25;
      grpo_loss(in, settings, whole_batch()).loss.backward();
      auto analytic = in.logprobs.grad().clone();
      const double h = 1e-6;
      for (int64_t i = 0; i < 2; ++i) {
        for (int64_t t = 0; t < 3; ++t) {
          auto value_at = [&](double shift) {
            auto shifted = in.logprobs.detach().clone();
            shifted[i][t] += shift;
            LossInputs probe = in;
            probe.logprobs = shifted;
            return grpo_loss(probe, settings, whole_batch()).loss.item<double>();
          };
          double numeric = (value_at(h) - value_at(-h)) / (2 * h);
          EXPECT_NEAR(analytic[i][t].item<double>(), numeric, 1e-7)
              << "loss " << static_cast<int>(type) << " level " << static_cast<int>(level) << " at " << i
              << "," << t;
        }
      }
    }
  }
}

TEST(GrpoLoss, WithMuOneTheRatioIsOneButTheGradientIsThePolicyGradient) {
  Fixture f;
  auto logprobs = f.old_logprobs.clone().set_requires_grad(true);
  LossInputs in;
  in.logprobs = logprobs;
  in.old_logprobs = logprobs.detach();  // pi_old = pi_theta
  in.advantages = f.advantages;
  in.mask = f.mask;
  LossSettings settings;  // dapo
  auto out = grpo_loss(in, settings, whole_batch());
  EXPECT_NEAR(out.loss.item<double>(), -(1.0 * 2 - 1.0 * 3) / 5, 1e-12);  // -sum(A m) / tokens
  out.loss.backward();
  // Policy gradient: d/d logp of -(A * logp) summed over masked tokens / tokens.
  auto expected = -(f.advantages.unsqueeze(1) * f.mask) / 5.0;
  EXPECT_TRUE(torch::allclose(logprobs.grad(), expected, 1e-12, 1e-12));
  EXPECT_EQ(out.clipped_low_sum + out.clipped_high_sum, 0.0);
}

TEST(Advantages, GroupBatchAndNoneScaling) {
  std::vector<double> rewards = {1, 0, 0, 1, /* all equal */ 2, 2, 2, 2};
  auto group = compute_advantages(rewards, 4, AdvantageScaling::kGroup);
  double std0 = std::sqrt((4 * 0.25) / 3.0);  // unbiased std of {1, 0, 0, 1}
  EXPECT_NEAR(group.values[0], 0.5 / (std0 + 1e-4), 1e-12);
  EXPECT_NEAR(group.values[1], -0.5 / (std0 + 1e-4), 1e-12);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(group.values[i], 0.0);
  EXPECT_EQ(group.frac_zero_std, 0.5);
  EXPECT_TRUE(group.group_zero_std[1]);
  auto none = compute_advantages(rewards, 4, AdvantageScaling::kNone);
  EXPECT_NEAR(none.values[0], 0.5, 1e-12);
  auto batch = compute_advantages(rewards, 4, AdvantageScaling::kBatch);
  double batch_mean = 10.0 / 8, batch_var = 0;
  for (double r : rewards) batch_var += (r - batch_mean) * (r - batch_mean);
  double batch_std = std::sqrt(batch_var / 7.0);
  EXPECT_NEAR(batch.values[3], 0.5 / (batch_std + 1e-4), 1e-12);
}

TEST(Advantages, GroupsOfOneSampleHaveZeroAdvantage) {
  auto single = compute_advantages({0.3, 0.9, 0.1}, 1, AdvantageScaling::kGroup);
  for (double a : single.values) EXPECT_EQ(a, 0.0);
  EXPECT_EQ(single.frac_zero_std, 1.0);
  EXPECT_THROW(compute_advantages({1, 2, 3}, 2, AdvantageScaling::kGroup), Error);
}

}  // namespace
}  // namespace grpo
