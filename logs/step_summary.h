// A step's summary computed from its logged completions, for runs whose metrics.jsonl is missing.
#pragma once

#include <cstdint>
#include <vector>

#include "logs/json_lines.h"
#include "logs/rollout_record.h"

namespace grpo::logs {

// {"step", "reward", "reward_std", "completions/mean_length", "completions/min_length",
// "completions/max_length",
//  "completions/clipped_ratio", "logged"} over the records (only the logged sample when the run sampled).
Json summarize_rollouts(int64_t step, const std::vector<RolloutRecord>& records);

}  // namespace grpo::logs
