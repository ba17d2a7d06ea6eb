// The `accuracy` reward: extracts the completion's final answer and compares it with the row's gold answer.
// 1 when they match, 0 when not (or no answer is found); not applicable when the row's gold is null or empty.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rewards/answer_comparison.h"
#include "rewards/answer_extraction.h"
#include "rewards/reward.h"

namespace grpo {

struct AccuracyRewardOptions {
  std::string gold_field =
      "answer";  // the row field holding the gold answer (text, number, or a list of them)
  std::vector<AnswerSource> order = default_answer_order();
  AnswerMatchOptions match;
};

class AccuracyReward : public RewardFunction {
 public:
  explicit AccuracyReward(AccuracyRewardOptions options = {});
  std::string name() const override { return "accuracy"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
  RewardResult score_one(const RewardInput& input) const;

 private:
  AccuracyRewardOptions options_;
};

// Spec options: field=NAME, order=answer_tag/boxed/hash/last_number, tolerance=1e-6, and the word `exact`.
std::unique_ptr<RewardFunction> make_accuracy_reward(const std::string& argument);

}  // namespace grpo
