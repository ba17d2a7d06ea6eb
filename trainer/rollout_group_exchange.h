// A step's rollout groups as bytes, for gathering every data-parallel rank's groups: the metrics, the
// completions log and the group-relative advantages are computed over the whole step, as one process would.
// What travels is what those need: the question, each completion's tokens, its scored text (in
// Completion::text: the text the rewards saw, prefill included) and finish reason, the rewards and totals.
// Rollout log-probs and prompt ids stay on their rank.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "trainer/rollout_group.h"

namespace grpo {

std::string encode_rollout_groups(const std::vector<RolloutGroup>& groups,
                                  const std::function<std::string(const Completion&)>& scored_text);
// Throws grpo::Error when `bytes` is not what encode_rollout_groups wrote.
std::vector<RolloutGroup> decode_rollout_groups(const std::string& bytes);

}  // namespace grpo
