#include "trainer/advantages.h"

#include <cmath>

#include "core/error.h"
#include "core/statistics.h"

namespace grpo {

AdvantageScaling parse_advantage_scaling(const std::string& name) {
  if (name == "group") return AdvantageScaling::kGroup;
  if (name == "batch") return AdvantageScaling::kBatch;
  if (name == "none") return AdvantageScaling::kNone;
  fail("scale_rewards '{}' is not known: use group, batch or none", name);
}

Advantages compute_advantages(const std::vector<double>& rewards, int64_t group_size,
                              AdvantageScaling scaling, double eps) {
  if (group_size < 1) fail("group size must be >= 1, got {}", group_size);
  const size_t g = static_cast<size_t>(group_size);
  if (rewards.size() % g != 0) fail("{} rewards do not split into groups of {}", rewards.size(), group_size);
  const size_t groups = rewards.size() / g;
  Advantages result;
  result.values.resize(rewards.size());
  result.group_zero_std.resize(groups);
  const double batch_std = sample_std_of(rewards);
  result.batch_std = batch_std;
  size_t zero_std = 0;
  double group_std_sum = 0;
  for (size_t group = 0; group < groups; ++group) {
    const double* r = rewards.data() + group * g;
    const double mean = mean_of(r, g);
    const double group_std = sample_std_of(r, g);
    const bool zero = all_equal(r, g);
    result.group_zero_std[group] = zero;
    zero_std += zero;
    group_std_sum += group_std;
    const double scale = scaling == AdvantageScaling::kGroup   ? 1.0 / (group_std + eps)
                         : scaling == AdvantageScaling::kBatch ? 1.0 / (batch_std + eps)
                                                               : 1.0;
    for (size_t i = 0; i < g; ++i) result.values[group * g + i] = zero ? 0.0 : (r[i] - mean) * scale;
  }
  result.mean_group_std = groups == 0 ? 0.0 : group_std_sum / static_cast<double>(groups);
  result.frac_zero_std = groups == 0 ? 0.0 : static_cast<double>(zero_std) / static_cast<double>(groups);
  return result;
}

}  // namespace grpo
