#include "logs/step_summary.h"

#include <algorithm>
#include <cmath>

namespace grpo::logs {

Json summarize_rollouts(int64_t step, const std::vector<RolloutRecord>& records) {
  Json summary;
  summary["step"] = step;
  summary["logged"] = records.size();
  if (records.empty()) return summary;
  double reward_sum = 0, reward_square_sum = 0;
  size_t rewarded = 0, cut = 0;
  int64_t length_sum = 0, shortest = records.front().length, longest = records.front().length;
  for (const auto& record : records) {
    if (std::isfinite(record.reward)) {
      reward_sum += record.reward;
      reward_square_sum += record.reward * record.reward;
      ++rewarded;
    }
    length_sum += record.length;
    shortest = std::min(shortest, record.length);
    longest = std::max(longest, record.length);
    cut += record.finish_reason == "length";
  }
  if (rewarded > 0) {
    double mean = reward_sum / static_cast<double>(rewarded);
    summary["reward"] = mean;
    summary["reward_std"] =
        std::sqrt(std::max(0.0, reward_square_sum / static_cast<double>(rewarded) - mean * mean));
  }
  auto count = static_cast<double>(records.size());
  summary["completions/mean_length"] = static_cast<double>(length_sum) / count;
  summary["completions/min_length"] = shortest;
  summary["completions/max_length"] = longest;
  summary["completions/clipped_ratio"] = static_cast<double>(cut) / count;
  return summary;
}

}  // namespace grpo::logs
