// The engine's TokenSampler (buffers kept from step to step) draws the same tokens and gives the same
// log-probabilities, bit for bit, as the reference composition the engine used before: filter_logits,
// sample_with_uniforms and sampling_logprobs, with the ids beyond the tokenizer's vocabulary removed first.
// Every sampling setting, float32 and bfloat16 logits, a padded vocabulary, and rows dropped between steps.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <vector>

#include "rollout/sampling.h"
#include "rollout/token_sampler.h"

namespace grpo {
namespace {

// The engine's draw before TokenSampler: tokens [A] and log-probs [A].
std::pair<torch::Tensor, torch::Tensor> reference_draw(const torch::Tensor& logits,
                                                       const torch::Tensor& uniforms,
                                                       const SamplingParams& params, int64_t sampleable) {
  torch::Tensor sample_logits = logits;
  if (sampleable < logits.size(-1)) {
    sample_logits = logits.to(torch::kFloat32).clone();
    sample_logits.narrow(-1, sampleable, logits.size(-1) - sampleable)
        .fill_(-std::numeric_limits<float>::infinity());
  }
  torch::Tensor tokens = params.greedy()
                             ? sample_logits.argmax(-1)
                             : sample_with_uniforms(filter_logits(sample_logits, params), uniforms);
  return {tokens, sampling_logprobs(logits, tokens, params.temperature)};
}

std::vector<SamplingParams> all_settings() {
  std::vector<SamplingParams> settings;
  settings.push_back({});                     // T = 1, nothing removed
  settings.push_back({0.7, 0, 1.0, 0.0});     // temperature
  settings.push_back({0.0, 0, 1.0, 0.0});     // greedy
  settings.push_back({1.0, 40, 1.0, 0.0});    // top-k
  settings.push_back({1.0, 0, 0.9, 0.0});     // top-p
  settings.push_back({1.0, 0, 1.0, 0.05});    // min-p
  settings.push_back({0.8, 60, 0.95, 0.02});  // all at once
  return settings;
}

TEST(TokenSampler, EqualsTheReferenceCompositionBitForBit) {
  const int64_t vocab = 1000;
  for (const SamplingParams& params : all_settings()) {
    for (int64_t sampleable : {vocab, vocab - 37}) {
      for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
        SCOPED_TRACE(::testing::Message()
                     << "T " << params.temperature << " top_k " << params.top_k << " top_p " << params.top_p
                     << " min_p " << params.min_p << " sampleable " << sampleable << " dtype " << dtype);
        torch::manual_seed(11);
        TokenSampler sampler(params, sampleable);
        for (int64_t rows : {9, 6, 2, 5}) {  // rows dropped between steps, then a larger batch again
          auto logits = (torch::randn({rows, vocab}) * 3.0).to(dtype);
          auto uniforms = torch::rand({rows});
          uniforms[0] = 0.0f;
          uniforms[rows - 1] = 0.99999994f;  // the largest float below 1
          const auto [tokens, logprobs] = reference_draw(logits, uniforms, params, sampleable);
          const TokenSampler::Draw draw = sampler.draw(logits, uniforms);
          EXPECT_TRUE(torch::equal(draw.tokens, tokens)) << draw.tokens << tokens;
          EXPECT_TRUE(torch::equal(draw.logprobs, logprobs)) << draw.logprobs - logprobs;
          EXPECT_LT(draw.tokens.max().item<int64_t>(), sampleable);
        }
      }
    }
  }
}

TEST(TokenSampler, LeavesTheLogitsAsTheyWere) {
  SamplingParams params{0.7, 5, 0.9, 0.01};
  auto logits = torch::randn({3, 50});
  const auto before = logits.clone();
  TokenSampler(params, 40).draw(logits, torch::rand({3}));
  EXPECT_TRUE(torch::equal(logits, before));
}

}  // namespace
}  // namespace grpo
