// Group-relative advantages: each completion's reward compared with the other completions of its question.
//   group: (r - mean_group) / (std_group + eps)     (GRPO)
//   batch: (r - mean_group) / (std_batch + eps)
//   none:   r - mean_group                          (Dr. GRPO)
// std is the unbiased sample std (n - 1), as torch.std in TRL; eps = 1e-4, as TRL. A group of one sample, or
// whose rewards are all equal, gets advantage 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grpo {

enum class AdvantageScaling { kGroup, kBatch, kNone };
AdvantageScaling parse_advantage_scaling(const std::string& name);  // "group" | "batch" | "none"

struct Advantages {
  std::vector<double> values;        // [N], one per completion, groups consecutive
  std::vector<bool> group_zero_std;  // [N / G]: the group's rewards were all equal
  double frac_zero_std = 0.0;        // share of such groups (TRL's frac_reward_zero_std)
  double mean_group_std = 0.0;       // mean over groups of each group's reward std (TRL's reward_std)
  double batch_std = 0.0;            // std of all N rewards together
};

// rewards [N] with N = groups * group_size, each group's completions consecutive.
Advantages compute_advantages(const std::vector<double>& rewards, int64_t group_size,
                              AdvantageScaling scaling, double eps = 1e-4);

}  // namespace grpo
