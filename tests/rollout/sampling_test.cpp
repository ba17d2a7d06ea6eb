// top-k, top-p and min-p keep exactly the right tokens on hand-made distributions; draws match frequencies.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "rollout/sampling.h"

namespace grpo {
namespace {

// Logits whose softmax is exactly `probs`.
torch::Tensor logits_of(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return torch::tensor(logits).unsqueeze(0);  // [1, V]
}

std::vector<bool> kept(const torch::Tensor& filtered) {
  std::vector<bool> result;
  auto row = filtered.squeeze(0);
  for (int64_t i = 0; i < row.size(0); ++i) result.push_back(!std::isinf(row[i].item<float>()));
  return result;
}

const std::vector<double> kProbs = {0.05, 0.40, 0.10, 0.25, 0.15, 0.05};  // sorted: 1, 3, 4, 2, {0, 5}

TEST(Sampling, TopKKeepsTheKMostLikely) {
  SamplingParams params;
  params.top_k = 3;
  EXPECT_EQ(kept(filter_logits(logits_of(kProbs), params)),
            (std::vector<bool>{false, true, false, true, true, false}));
  params.top_k = 5;  // the 5th is tied with the 6th (0.05): ties with the k-th are kept
  EXPECT_EQ(kept(filter_logits(logits_of(kProbs), params)), (std::vector<bool>(6, true)));
}

TEST(Sampling, TopPKeepsTheSmallestSetReachingP) {
  SamplingParams params;
  params.top_p = 0.5;  // 0.40 < 0.5, 0.40 + 0.25 >= 0.5 -> {1, 3}
  EXPECT_EQ(kept(filter_logits(logits_of(kProbs), params)),
            (std::vector<bool>{false, true, false, true, false, false}));
  params.top_p = 0.8;  // 0.40 + 0.25 + 0.15 = 0.80 reaches 0.8 -> {1, 3, 4}
  auto kept_08 = kept(filter_logits(logits_of(kProbs), params));
  EXPECT_TRUE(kept_08[1] && kept_08[3] && kept_08[4]);
  EXPECT_FALSE(kept_08[0] || kept_08[5]);
  params.top_p = 0.3;  // the most likely token alone
  EXPECT_EQ(kept(filter_logits(logits_of(kProbs), params)),
            (std::vector<bool>{false, true, false, false, false, false}));
}

TEST(Sampling, MinPKeepsTokensAboveAFractionOfTheTop) {
  SamplingParams params;
  params.min_p = 0.3;  // threshold 0.12 -> {1 (0.40), 3 (0.25), 4 (0.15)}
  EXPECT_EQ(kept(filter_logits(logits_of(kProbs), params)),
            (std::vector<bool>{false, true, false, true, true, false}));
}

TEST(Sampling, TemperatureScalesLogitsAndGreedyLeavesThem) {
  SamplingParams params;
  params.temperature = 0.5;
  auto logits = logits_of(kProbs);
  EXPECT_TRUE(torch::allclose(filter_logits(logits, params), logits * 2.0));
  params.temperature = 0.0;
  EXPECT_TRUE(torch::allclose(filter_logits(logits, params), logits));
}

TEST(Sampling, DrawsMatchTheDistribution) {
  // 40,000 draws: each frequency within 5 standard errors (sqrt(p(1-p)/n) <= 0.0025) of its probability.
  const int64_t draws = 40000;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> uniforms(draws);
  for (auto& u : uniforms) u = uniform(rng);
  auto logits = logits_of(kProbs).expand({draws, 6}).contiguous();
  auto tokens = sample_with_uniforms(logits, torch::tensor(uniforms));
  auto counts = torch::bincount(tokens, {}, 6).to(torch::kDouble) / static_cast<double>(draws);
  for (int64_t i = 0; i < 6; ++i) {
    double p = kProbs[i];
    double tolerance = 5.0 * std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(counts[i].item<double>(), p, tolerance) << "token " << i;
  }
}

TEST(Sampling, RemovedTokensAreNeverDrawn) {
  SamplingParams params;
  params.top_k = 2;
  auto filtered = filter_logits(logits_of(kProbs).expand({1000, 6}).contiguous(), params);
  auto tokens = sample_with_uniforms(filtered, torch::rand({1000}));
  auto allowed = (tokens == 1).logical_or(tokens == 3);
  EXPECT_TRUE(allowed.all().item<bool>());
  // Extremes of the uniform range stay in the kept set.
  auto edge = sample_with_uniforms(filtered.narrow(0, 0, 2), torch::tensor({0.0f, 0.99999994f}));
  EXPECT_EQ(edge[0].item<int64_t>(), 1);
  EXPECT_EQ(edge[1].item<int64_t>(), 3);
}

TEST(Sampling, LogprobsUseTheTemperatureScaledFullDistribution) {
  auto logits = logits_of(kProbs);
  auto tokens = torch::tensor({3}, torch::kLong);
  EXPECT_NEAR(sampling_logprobs(logits, tokens, 1.0).item<float>(), std::log(0.25), 1e-6);
  double z = 0;
  for (double p : kProbs) z += p * p;  // T = 0.5 squares the probabilities
  EXPECT_NEAR(sampling_logprobs(logits, tokens, 0.5).item<float>(), std::log(0.25 * 0.25 / z), 1e-5);
}

TEST(Sampling, InvalidParametersAreRefusedWithTheValue) {
  SamplingParams params;
  params.top_k = 7;
  EXPECT_THROW(params.validate(6), Error);
  params = {};
  params.temperature = -1;
  EXPECT_THROW(params.validate(6), Error);
  params = {};
  params.min_p = 1.0;
  EXPECT_THROW(params.validate(6), Error);
  params = {};
  EXPECT_NO_THROW(params.validate(6));
}

}  // namespace
}  // namespace grpo
