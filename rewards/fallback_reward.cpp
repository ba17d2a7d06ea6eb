#include "rewards/fallback_reward.h"

#include <fmt/format.h>

#include "core/error.h"
#include "rewards/text_scan.h"

namespace grpo {

FallbackReward::FallbackReward(std::unique_ptr<RewardFunction> inner, double default_score,
                               std::function<void(const std::string&)> warn)
    : inner_(std::move(inner)), default_score_(default_score), warn_(std::move(warn)) {}

std::vector<RewardResult> FallbackReward::score(const std::vector<RewardInput>& batch) {
  try {
    std::vector<RewardResult> results = inner_->score(batch);
    if (results.size() != batch.size()) {
      fail("reward '{}' returned {} results for a batch of {}", inner_->name(), results.size(), batch.size());
    }
    return results;
  } catch (const Error& e) {
    std::string message = e.what();
    if (warn_) {
      warn_(fmt::format("reward '{}' failed; {} completion{} get the default score {}: {}", inner_->name(),
                        batch.size(), batch.size() == 1 ? "" : "s", default_score_, message));
    }
    std::string reason = "reward failed: " + text::valid_utf8(message.substr(0, 300));
    return std::vector<RewardResult>(batch.size(), RewardResult{default_score_, reason});
  }
}

}  // namespace grpo
