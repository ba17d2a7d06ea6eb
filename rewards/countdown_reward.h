// The `countdown` reward: the equation in the completion's answer uses each given number exactly once and
// evaluates exactly to the target. Numbers and target come from the row (see CountdownRewardOptions).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rewards/reward.h"

namespace grpo {

struct CountdownRewardOptions {
  // Row fields, tried in order: numbers as a JSON array of integers or a string "30,100,93"; target as an
  // integer or a string of one.
  std::vector<std::string> numbers_fields = {"numbers", "input"};
  std::vector<std::string> target_fields = {"target", "output"};
};

struct CountdownProblem {
  std::vector<int64_t> numbers;
  int64_t target = 0;
};

// Reads the problem out of a row; throws grpo::Error naming the fields when it is not there.
CountdownProblem read_countdown_problem(const nlohmann::json& row,
                                        const CountdownRewardOptions& options = {});

// 1 or 0 with a reason: "correct", "evaluates to 37, target 23", "uses [30, 30] but the numbers are [30, 93,
// 100]".
RewardResult score_countdown(const CountdownProblem& problem, const std::string& completion);

class CountdownReward : public RewardFunction {
 public:
  explicit CountdownReward(CountdownRewardOptions options = {}) : options_(std::move(options)) {}
  std::string name() const override { return "countdown"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;

 private:
  CountdownRewardOptions options_;
};

// Spec options: numbers=FIELD, target=FIELD.
std::unique_ptr<RewardFunction> make_countdown_reward(const std::string& argument);

}  // namespace grpo
