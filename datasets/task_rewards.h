// The verifier rewards of the generated tasks, registered in the rewards registry: "box_stacking" (the final
// stack in <answer>, normalised, equals the gold) and "arithmetic" (the integer in <answer> equals the gold).
// Countdown rows are checked by the rewards library's own "countdown" reward.
#pragma once

#include <memory>
#include <vector>

#include "rewards/reward.h"

namespace grpo {

class BoxStackingReward : public RewardFunction {
 public:
  std::string name() const override { return "box_stacking"; }
  // 1 when the last <answer>...</answer> names the gold stack (case, commas, "and", spacing ignored), else 0;
  // not applicable to rows of another task or without a gold "answer".
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
};

class ArithmeticReward : public RewardFunction {
 public:
  std::string name() const override { return "arithmetic"; }
  // 1 when the last <answer>...</answer> holds the gold integer ("1,043", "= 1043" and "1043.0" count), else
  // 0.
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
};

// Registers "box_stacking" and "arithmetic" with register_reward. Idempotent; called by find_task, all_tasks
// and open_training_data, and safe to call from anywhere before make_reward.
void register_task_rewards();

}  // namespace grpo
