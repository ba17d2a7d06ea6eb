// Mean and unbiased standard deviation of a run of numbers (as torch.mean / torch.std), and whether they are
// all equal: the statistics behind advantages and the reward metrics.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace grpo {

// 0 for no values.
inline double mean_of(const double* values, size_t count) {
  if (count == 0) return 0.0;
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += values[i];
  return sum / static_cast<double>(count);
}

// Unbiased sample standard deviation (n - 1); 0 for fewer than two values.
inline double sample_std_of(const double* values, size_t count) {
  if (count < 2) return 0.0;
  const double mean = mean_of(values, count);
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += (values[i] - mean) * (values[i] - mean);
  return std::sqrt(sum / static_cast<double>(count - 1));
}

// True for zero or one value too.
inline bool all_equal(const double* values, size_t count) {
  for (size_t i = 1; i < count; ++i) {
    if (values[i] != values[0]) return false;
  }
  return true;
}

inline double mean_of(const std::vector<double>& values) {
  return mean_of(values.data(), values.size());
}
inline double sample_std_of(const std::vector<double>& values) {
  return sample_std_of(values.data(), values.size());
}
inline bool all_equal(const std::vector<double>& values) {
  return all_equal(values.data(), values.size());
}

}  // namespace grpo
