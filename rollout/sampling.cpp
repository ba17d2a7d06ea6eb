#include "rollout/sampling.h"

#include <torch/torch.h>

#include <limits>

#include "core/error.h"
#include "rollout/logit_truncation.h"

namespace grpo {

void SamplingParams::validate(int64_t vocab_size) const {
  if (!(temperature >= 0.0)) fail("temperature must be >= 0 (0 = greedy), got {}", temperature);
  if (top_k < 0) fail("top_k must be >= 0 (0 = off), got {}", top_k);
  if (top_k > vocab_size) fail("top_k ({}) is greater than the vocabulary size ({})", top_k, vocab_size);
  if (!(top_p > 0.0 && top_p <= 1.0)) fail("top_p must be in (0, 1] (1 = off), got {}", top_p);
  if (!(min_p >= 0.0 && min_p < 1.0)) fail("min_p must be in [0, 1) (0 = off), got {}", min_p);
}

bool truncates(const SamplingParams& params, int64_t vocab) {
  return (params.top_k > 0 && params.top_k < vocab) || params.top_p < 1.0 || params.min_p > 0.0;
}

void truncate_logits_(torch::Tensor& scores, const SamplingParams& params) {
  const float removed = -std::numeric_limits<float>::infinity();
  if (params.top_k > 0 && params.top_k < scores.size(-1)) {
    auto kth = std::get<0>(scores.topk(params.top_k, -1)).narrow(-1, params.top_k - 1, 1);  // [B, 1]
    scores.masked_fill_(scores < kth, removed);
  }
  if (params.top_p < 1.0) {
    auto sorted = scores.sort(-1, /*descending=*/true);
    auto sorted_scores = std::get<0>(sorted), order = std::get<1>(sorted);  // [B, V]
    auto sorted_probs = torch::softmax(sorted_scores, -1);
    // A token is kept while the mass of the tokens strictly before it is below top_p (the first is always
    // kept).
    auto mass_before = sorted_probs.cumsum(-1) - sorted_probs;
    auto sorted_remove = mass_before >= params.top_p;
    auto remove = torch::zeros_like(sorted_remove).scatter(-1, order, sorted_remove);
    scores.masked_fill_(remove, removed);
  }
  if (params.min_p > 0.0) {
    auto probs = torch::softmax(scores, -1);
    auto threshold = probs.amax(-1, /*keepdim=*/true) * params.min_p;  // [B, 1]
    scores.masked_fill_(probs < threshold, removed);
  }
}

torch::Tensor filter_logits(const torch::Tensor& logits, const SamplingParams& params) {
  auto scores = logits.to(torch::kFloat32);  // [B, V]
  if (params.greedy()) return scores;
  if (params.temperature != 1.0) scores = scores / params.temperature;
  if (!truncates(params, scores.size(-1))) return scores;
  if (scores.is_same(logits)) scores = scores.clone();  // the caller's logits stay as they were
  truncate_logits_(scores, params);
  return scores;
}

torch::Tensor sample_with_uniforms(const torch::Tensor& filtered_logits, const torch::Tensor& uniforms) {
  auto probs = torch::softmax(filtered_logits, -1);  // [B, V]
  auto cdf = probs.cumsum(-1);                       // [B, V]
  // Scale by the last CDF entry so rounding never leaves u above the total mass.
  auto targets =
      uniforms.to(cdf.device(), torch::kFloat32).unsqueeze(1) * cdf.narrow(-1, cdf.size(-1) - 1, 1);
  auto tokens = (cdf <= targets).sum(-1);  // first index whose CDF exceeds u
  // A token of probability 0 is never chosen: step past zero-probability entries that share the CDF value.
  tokens = tokens.clamp_max(probs.size(-1) - 1);
  auto chosen_prob = probs.gather(1, tokens.unsqueeze(1)).squeeze(1);
  auto fallback = probs.argmax(-1);
  return torch::where(chosen_prob > 0, tokens, fallback).to(torch::kLong);
}

torch::Tensor sampling_logprobs(const torch::Tensor& logits, const torch::Tensor& tokens,
                                double temperature) {
  auto scores = logits.to(torch::kFloat32);
  if (temperature > 0.0 && temperature != 1.0) scores = scores / temperature;
  return torch::log_softmax(scores, -1).gather(1, tokens.unsqueeze(1)).squeeze(1);  // [B]
}

}  // namespace grpo
