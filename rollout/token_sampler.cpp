#include "rollout/token_sampler.h"

#include <torch/torch.h>

#include <limits>

#include "rollout/logit_truncation.h"

namespace grpo {

TokenSampler::TokenSampler(const SamplingParams& params, int64_t sampleable)
    : params_(params), sampleable_(sampleable) {}

torch::Tensor TokenSampler::buffer(torch::Tensor& storage, const torch::Tensor& like) {
  const int64_t rows = like.size(0), vocab = like.size(1);
  if (!storage.defined() || storage.size(0) < rows || storage.size(1) != vocab ||
      storage.device() != like.device()) {
    storage = torch::empty({rows, vocab}, like.options().dtype(torch::kFloat32));
  }
  return storage.narrow(0, 0, rows);  // the first rows of a contiguous buffer: contiguous
}

TokenSampler::Draw TokenSampler::draw(const torch::Tensor& logits, const torch::Tensor& uniforms) {
  const int64_t vocab = logits.size(1);
  const bool greedy = params_.greedy();
  const bool scaled = !greedy && params_.temperature != 1.0;
  const torch::Tensor float_logits = logits.to(torch::kFloat32);  // [A, V] (the same tensor when float32)

  // The scores tokens are drawn from: never-drawn ids removed, divided by T, truncated (top-k/p, min-p).
  torch::Tensor scores = float_logits;  // [A, V]
  const bool truncated = !greedy && truncates(params_, vocab);
  if (sampleable_ < vocab || scaled || truncated) {
    scores = buffer(scores_, logits).copy_(float_logits);
    if (sampleable_ < vocab) {
      scores.narrow(1, sampleable_, vocab - sampleable_).fill_(-std::numeric_limits<float>::infinity());
    }
    if (scaled) scores.div_(params_.temperature);
    if (truncated) truncate_logits_(scores, params_);
  }

  Draw result;
  if (greedy) {
    result.tokens = scores.argmax(-1);
  } else {
    // sample_with_uniforms in the buffers: the first index whose CDF exceeds u (the CDF of non-negative
    // probabilities never decreases, so a binary search counts what (cdf <= u).sum() counts)
    torch::Tensor probs = buffer(probs_, logits), cdf = buffer(cdf_, logits);  // [A, V] each
    torch::softmax_out(probs, scores, -1);
    torch::cumsum_out(cdf, probs, -1);
    auto targets = uniforms.to(cdf.device(), torch::kFloat32).unsqueeze(1) * cdf.narrow(1, vocab - 1, 1);
    auto tokens = torch::searchsorted(cdf, targets, /*out_int32=*/false, /*right=*/true)
                      .squeeze(1)
                      .clamp_max(vocab - 1);  // [A]
    auto chosen_prob = probs.gather(1, tokens.unsqueeze(1)).squeeze(1);
    result.tokens = torch::where(chosen_prob > 0, tokens, probs.argmax(-1));
  }

  // sampling_logprobs: over the whole vocabulary, divided by T, without truncation
  torch::Tensor full = float_logits;  // [A, V]
  if (scaled) full = buffer(probs_, logits).copy_(float_logits).div_(params_.temperature);
  torch::Tensor log_probs = buffer(cdf_, logits);  // [A, V]
  torch::log_softmax_out(log_probs, full, -1);
  result.logprobs = log_probs.gather(1, result.tokens.unsqueeze(1)).squeeze(1);
  return result;
}

}  // namespace grpo
