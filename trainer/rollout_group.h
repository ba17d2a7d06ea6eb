// One question of a training step with its G sampled completions and their rewards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/statistics.h"
#include "datasets/example.h"
#include "rewards/reward.h"
#include "rollout/generation.h"

namespace grpo {

struct RolloutGroup {
  Example example;
  std::string prompt;                   // rendered template + prefill, as the rewards see it
  std::vector<int64_t> prompt_ids;      // what the model was given (cut from the left when too long)
  std::vector<Completion> completions;  // [G]
  std::vector<double> totals;           // [G] weighted reward
  std::vector<std::vector<RewardResult>> results;  // [R][G]

  // Every completion scored the same: the group teaches nothing (advantage 0).
  bool zero_std() const { return all_equal(totals); }
};

}  // namespace grpo
