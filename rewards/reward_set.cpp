#include "rewards/reward_set.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace grpo {

RewardStatistics summarize_results(const std::string& name, double weight,
                                   const std::vector<RewardResult>& results) {
  RewardStatistics statistics;
  statistics.name = name;
  statistics.weight = weight;
  statistics.count = static_cast<int64_t>(results.size());
  double sum = 0;
  for (const RewardResult& result : results) {
    if (!result.score) continue;
    sum += *result.score;
    ++statistics.applicable;
  }
  if (statistics.applicable == 0) {
    statistics.mean = std::numeric_limits<double>::quiet_NaN();
    return statistics;
  }
  statistics.mean = sum / static_cast<double>(statistics.applicable);
  if (statistics.applicable >= 2) {
    double squares = 0;
    for (const RewardResult& result : results) {
      if (result.score) squares += (*result.score - statistics.mean) * (*result.score - statistics.mean);
    }
    statistics.std = std::sqrt(squares / static_cast<double>(statistics.applicable - 1));
  }
  return statistics;
}

RewardSet RewardSet::from_specs(const std::vector<std::string>& specs, const std::vector<double>& weights,
                                const RewardOptions& options) {
  if (specs.empty()) fail("no rewards given; name at least one (e.g. --reward accuracy,format)");
  if (!weights.empty() && weights.size() != specs.size()) {
    fail("{} reward weights given for {} rewards; give one weight per reward, in order", weights.size(),
         specs.size());
  }
  RewardSet set;
  for (size_t i = 0; i < specs.size(); ++i)
    set.add(make_reward(specs[i], options), weights.empty() ? 1.0 : weights[i]);
  return set;
}

void RewardSet::add(std::unique_ptr<RewardFunction> function, double weight) {
  if (!function) fail("RewardSet::add: no reward function");
  if (!std::isfinite(weight)) fail("reward '{}': weight {} is not a finite number", function->name(), weight);
  std::string name = function->name();
  std::string unique = name;
  for (int k = 2; std::find(names_.begin(), names_.end(), unique) != names_.end(); ++k) {
    unique = name + "#" + std::to_string(k);
  }
  entries_.push_back(std::move(function));
  names_.push_back(unique);
  weights_.push_back(weight);
}

ScoredBatch RewardSet::score(const std::vector<RewardInput>& batch) {
  ScoredBatch scored;
  scored.totals.assign(batch.size(), 0.0);
  for (size_t r = 0; r < entries_.size(); ++r) {
    std::vector<RewardResult> results = entries_[r]->score(batch);
    if (results.size() != batch.size()) {
      fail("reward '{}' returned {} results for a batch of {} completions", names_[r], results.size(),
           batch.size());
    }
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].score) continue;
      if (!std::isfinite(*results[i].score)) {
        fail("reward '{}' returned a non-finite score ({}) for completion {} of the batch", names_[r],
             *results[i].score, i);
      }
      scored.totals[i] += weights_[r] * *results[i].score;
    }
    scored.statistics.push_back(summarize_results(names_[r], weights_[r], results));
    scored.results.push_back(std::move(results));
  }
  return scored;
}

}  // namespace grpo
