#include "trainer/advantages.h"

#include <cmath>

#include "core/error.h"

namespace grpo {

AdvantageScaling parse_advantage_scaling(const std::string& name) {
  if (name == "group") return AdvantageScaling::kGroup;
  if (name == "batch") return AdvantageScaling::kBatch;
  if (name == "none") return AdvantageScaling::kNone;
  fail("scale_rewards '{}' is not known: use group, batch or none", name);
}

namespace {

double mean_of(const double* values, size_t count) {
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += values[i];
  return sum / static_cast<double>(count);
}

// Unbiased sample standard deviation; 0 for fewer than two values.
double std_of(const double* values, size_t count) {
  if (count < 2) return 0.0;
  double mean = mean_of(values, count), sum = 0;
  for (size_t i = 0; i < count; ++i) sum += (values[i] - mean) * (values[i] - mean);
  return std::sqrt(sum / static_cast<double>(count - 1));
}

}  // namespace

Advantages compute_advantages(const std::vector<double>& rewards, int64_t group_size, AdvantageScaling scaling,
                              double eps) {
  if (group_size < 1) fail("group size must be >= 1, got {}", group_size);
  const size_t g = static_cast<size_t>(group_size);
  if (rewards.size() % g != 0) fail("{} rewards do not split into groups of {}", rewards.size(), group_size);
  const size_t groups = rewards.size() / g;
  Advantages result;
  result.values.resize(rewards.size());
  result.group_zero_std.resize(groups);
  const double batch_std = rewards.empty() ? 0.0 : std_of(rewards.data(), rewards.size());
  size_t zero_std = 0;
  for (size_t group = 0; group < groups; ++group) {
    const double* r = rewards.data() + group * g;
    const double mean = mean_of(r, g);
    const double group_std = std_of(r, g);
    bool all_equal = true;
    for (size_t i = 1; i < g; ++i) all_equal = all_equal && r[i] == r[0];
    result.group_zero_std[group] = all_equal;
    zero_std += all_equal;
    const double scale = scaling == AdvantageScaling::kGroup   ? 1.0 / (group_std + eps)
                         : scaling == AdvantageScaling::kBatch ? 1.0 / (batch_std + eps)
                                                               : 1.0;
    for (size_t i = 0; i < g; ++i) result.values[group * g + i] = all_equal ? 0.0 : (r[i] - mean) * scale;
  }
  result.frac_zero_std = groups == 0 ? 0.0 : static_cast<double>(zero_std) / static_cast<double>(groups);
  return result;
}

}  // namespace grpo
