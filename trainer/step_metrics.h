// What a training step reports: the metrics.jsonl line's rollout part (rewards, lengths, truncation) and the
// completions log's records. The update's own metrics (loss, kl, clip ratios) come from the policy update.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "logs/rollout_record.h"
#include "rewards/reward_set.h"
#include "trainer/advantages.h"
#include "trainer/rollout_group.h"

namespace grpo {

// Which of the rewards are reported as accuracy and format_rate (-1: none).
struct RewardRoles {
  int accuracy = 0;
  int format = -1;
};

// reward, reward_std (TRL's: the mean over groups of each group's std), reward_batch_std,
// frac_reward_zero_std (given: measured before dynamic sampling refilled), completion lengths and truncation,
// num_tokens, and per reward its mean and std (accuracy and format_rate by `roles`).
nlohmann::json rollout_metrics(const std::vector<RolloutGroup>& groups, const Advantages& advantages,
                               double frac_zero_std, const RewardSet& rewards, RewardRoles roles);

// The reasoning figures of datasets/box_chain.h (reasoning/chain_share, ...) over the step's box-stacking
// completions, a completion counted right when its accuracy reward (roles.accuracy) is >= 1 - 1e-9; an empty
// object when no question is a box-stacking one. `completion_text` gives the text that was scored.
nlohmann::json reasoning_metrics(const std::vector<RolloutGroup>& groups, RewardRoles roles,
                                 const std::function<std::string(const Completion&)>& completion_text);

// One record per completion for the completions log; `completion_text` gives the text that was scored.
std::vector<logs::RolloutRecord> rollout_records(
    const std::vector<RolloutGroup>& groups, const Advantages& advantages, const RewardSet& rewards,
    const std::function<std::string(const Completion&)>& completion_text);

}  // namespace grpo
