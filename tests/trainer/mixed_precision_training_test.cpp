// bf16 training (--bf16, --recompute-old-logprobs, --rollout-is-cap): the truncated importance sampling
// weights and the loss they enter against explicit per-token computations, the options' resolution and
// validation errors, and `grpo train --bf16 true` as a real subprocess on the CPU logging the mismatch and
// TIS metrics.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "error_message.h"
#include "logs/metric_names.h"
#include "test_support.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/grpo_loss.h"
#include "trainer/trainer_config.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
namespace metric = logs::metric;

TEST(TruncatedImportanceSampling, WeightsAreTheCappedRatioOfTrainingToRolloutProbabilities) {
  auto train = torch::tensor({{-1.0, -2.0, -0.5}, {-3.0, -0.1, -2.2}}, torch::kDouble);
  auto rollout = torch::tensor({{-1.2, -2.0, -1.9}, {-2.5, -0.4, -0.2}}, torch::kDouble);
  const double cap = 2.0;
  auto weights = truncated_importance_weights(train.set_requires_grad(true), rollout, cap);
  EXPECT_FALSE(weights.requires_grad());
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const double expected =
          std::min(std::exp(train[i][j].item<double>() - rollout[i][j].item<double>()), cap);
      EXPECT_NEAR(weights[i][j].item<double>(), expected, 1e-12) << i << "," << j;
    }
  }
  EXPECT_EQ(weights[0][2].item<double>(), cap);  // exp(1.4) = 4.06, capped
}

TEST(TruncatedImportanceSampling, WeightsMultiplyThePolicyGradientTermOnly) {
  // Token level, loss dapo, beta 0.1: per token L = -min(rho A, clip(rho) A) * w + beta * k3.
  auto old_logprobs = torch::tensor({{-1.0, -2.0}, {-1.5, -0.7}}, torch::kDouble);
  auto log_ratio = torch::tensor({{0.1, std::log(1.5)}, {std::log(0.5), -0.05}}, torch::kDouble);
  auto ref = torch::tensor({{-1.1, -1.8}, {-1.4, -0.9}}, torch::kDouble);
  auto weights = torch::tensor({{0.5, 2.0}, {1.0, 1.7}}, torch::kDouble);
  auto advantages = torch::tensor({1.0, -2.0}, torch::kDouble);
  LossInputs in;
  in.old_logprobs = old_logprobs;
  in.logprobs = (old_logprobs + log_ratio).set_requires_grad(true);
  in.ref_logprobs = ref;
  in.advantages = advantages;
  in.mask = torch::ones({2, 2}, torch::kDouble);
  in.is_weights = weights;
  LossSettings settings;
  settings.beta = 0.1;
  auto out = grpo_loss(in, settings, {2.0, 4.0});

  double expected = 0;
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      const double rho = std::exp(log_ratio[i][j].item<double>()), a = advantages[i].item<double>();
      const double clipped = std::clamp(rho, 0.8, 1.2);
      const double delta = ref[i][j].item<double>() - in.logprobs[i][j].item<double>();
      const double kl = std::exp(delta) - delta - 1;
      expected += -std::min(rho * a, clipped * a) * weights[i][j].item<double>() + 0.1 * kl;
    }
  }
  EXPECT_NEAR(out.loss.item<double>(), expected / 4, 1e-12);
  out.loss.backward();
  // d/dlogp of token (0, 0) (unclipped, A = 1): (-rho * w + beta * (1 - exp(delta))) / 4.
  const double rho = std::exp(0.1), delta = -1.1 - (-0.9);
  EXPECT_NEAR(in.logprobs.grad()[0][0].item<double>(), (-rho * 0.5 + 0.1 * (1 - std::exp(delta))) / 4, 1e-12);
}

TEST(MixedPrecisionConfig, Bf16IsOnWithCudaAndRecomputationFollowsIt) {
  TrainerConfig config;
  config.model = "m";
  EXPECT_FALSE(config.bf16_enabled());  // auto on the CPU
  EXPECT_FALSE(config.recompute_old_logprobs_enabled());
  config.device = "cuda:0";
  EXPECT_TRUE(config.bf16_enabled());
  EXPECT_TRUE(config.recompute_old_logprobs_enabled());
  config.bf16 = "false";
  EXPECT_FALSE(config.recompute_old_logprobs_enabled());
  config.device = "cpu";
  config.bf16 = "true";
  EXPECT_TRUE(config.bf16_enabled());
  EXPECT_TRUE(config.recompute_old_logprobs_enabled());
  config.recompute_old_logprobs = "false";
  EXPECT_FALSE(config.recompute_old_logprobs_enabled());
  EXPECT_NO_THROW(config.validate());
}

TEST(MixedPrecisionConfig, RefusesUnknownSwitchesAndUnusableCaps) {
  TrainerConfig config;
  config.model = "m";
  config.bf16 = "yes";
  testing::expect_mentions(testing::error_of([&] { config.validate(); }),
                           {"bf16 'yes'", "true, false or auto"});
  config.bf16 = "true";
  config.recompute_old_logprobs = "sometimes";
  testing::expect_mentions(testing::error_of([&] { config.validate(); }),
                           {"recompute_old_logprobs 'sometimes'"});
  config.recompute_old_logprobs = "auto";
  config.rollout_is_cap = -1;
  testing::expect_mentions(testing::error_of([&] { config.validate(); }), {"rollout_is_cap must be >= 0"});
  config.rollout_is_cap = 0.5;
  testing::expect_mentions(testing::error_of([&] { config.validate(); }), {"rollout_is_cap 0.5 is below 1"});
  config.rollout_is_cap = 2;
  EXPECT_NO_THROW(config.validate());
  config.num_iterations = 2;
  config.recompute_old_logprobs = "false";
  testing::expect_mentions(testing::error_of([&] { config.validate(); }),
                           {"--rollout-is-cap needs", "--recompute-old-logprobs"});
  config.num_iterations = 1;  // without reuse the update's own forward gives the training log-probs
  EXPECT_NO_THROW(config.validate());
}

// The last metrics.jsonl line of a run.
nlohmann::json last_metrics(const fs::path& run) {
  std::ifstream in(run / "metrics.jsonl");
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? nlohmann::json() : nlohmann::json::parse(last);
}

TEST(MixedPrecisionCommand, Bf16TrainingOnTheCpuRecomputesOldLogprobsAndLogsTheMismatch) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  const auto run = testing::run_command(
      testing::grpo_executable().string() + " --threads 1 --seed 3 train --model '" + model.string() +
      "' --data '" + data.string() + "' --output-dir '" + (dir / "run").string() +
      "' --eval-size 0 --template plain --stop '\n' -G 4 --questions-per-step 2 --max-completion-length 6 "
      "--lr 0.01 --temperature 1.5 --reward repetition,format --max-steps 1 --bf16 true --num-iterations 2 "
      "--rollout-is-cap 2 --save-steps 0");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("bf16 mixed precision"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("recomputed by the training forward"), std::string::npos) << run.output;
  const auto metrics = last_metrics(dir / "run");
  ASSERT_TRUE(metrics.is_object()) << run.output;
  ASSERT_TRUE(metrics.contains(metric::kRolloutLogprobAbsDiff)) << metrics.dump();
  ASSERT_TRUE(metrics.contains(metric::kRolloutIsWeight)) << metrics.dump();
  ASSERT_TRUE(metrics.contains(metric::kRolloutIsCapped)) << metrics.dump();
  const double difference = metrics[metric::kRolloutLogprobAbsDiff].get<double>();
  // bf16 decoding (KV cache, one token at a time) against the bf16 training forward: the same numerics up to
  // the products' shapes (6e-8 nats measured on a 1M-parameter model at init).
  EXPECT_GE(difference, 0.0);
  EXPECT_LT(difference, 0.5);
  const double weight = metrics[metric::kRolloutIsWeight].get<double>();
  EXPECT_GT(weight, 0.5);
  EXPECT_LE(weight, 2.0);
  EXPECT_GE(metrics[metric::kRolloutIsCapped].get<double>(), 0.0);
  EXPECT_TRUE(std::isfinite(metrics["loss"].get<double>()));
}

}  // namespace
}  // namespace grpo
