// Wraps a reward so that a failure gives every completion of the batch a default score and a warning instead
// of stopping the run (RewardFailurePolicy::default_score).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "rewards/reward.h"

namespace grpo {

class FallbackReward : public RewardFunction {
 public:
  FallbackReward(std::unique_ptr<RewardFunction> inner, double default_score,
                 std::function<void(const std::string&)> warn);
  std::string name() const override { return inner_->name(); }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;

 private:
  std::unique_ptr<RewardFunction> inner_;
  double default_score_;
  std::function<void(const std::string&)> warn_;
};

}  // namespace grpo
