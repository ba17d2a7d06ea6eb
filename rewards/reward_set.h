// RewardSet: several reward functions with weights. Scores a batch with each, checks what they return, and
// gives each completion's weighted total (not applicable counts as 0) and each reward's mean and std over the
// completions it applies to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rewards/reward.h"
#include "rewards/reward_registry.h"

namespace grpo {

struct RewardStatistics {
  std::string name;
  double weight = 1.0;
  double mean = 0.0;  // over applicable completions; NaN when none is
  double std = 0.0;   // sample std (n-1) over applicable completions, as TRL's nanstd; 0 when fewer than 2
  int64_t applicable = 0;
  int64_t count = 0;
};

// Mean and std of the applicable scores of one reward.
RewardStatistics summarize_results(const std::string& name, double weight,
                                   const std::vector<RewardResult>& results);

struct ScoredBatch {
  std::vector<double> totals;                      // [N] sum over rewards of weight * score (n/a = 0)
  std::vector<std::vector<RewardResult>> results;  // [R][N] each reward's results, reasons included
  std::vector<RewardStatistics> statistics;        // [R]
};

class RewardSet {
 public:
  RewardSet() = default;
  // make_reward for each spec; weights default to 1 and, when given, must be one per spec.
  static RewardSet from_specs(const std::vector<std::string>& specs, const std::vector<double>& weights = {},
                              const RewardOptions& options = {});

  // Adds a reward. A name already present gets "#2", "#3"... so that log keys stay distinct.
  void add(std::unique_ptr<RewardFunction> function, double weight = 1.0);

  // Throws grpo::Error naming the reward when one returns the wrong number of results or a non-finite score.
  ScoredBatch score(const std::vector<RewardInput>& batch);

  size_t size() const { return entries_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<std::unique_ptr<RewardFunction>> entries_;
  std::vector<std::string> names_;
  std::vector<double> weights_;
};

}  // namespace grpo
