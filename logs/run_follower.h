// Watches a run directory while the trainer writes it (`grpo logs --follow`): new metrics and eval lines, and
// the rollout files of new steps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "logs/json_lines.h"
#include "logs/json_lines_tail.h"
#include "logs/run_layout.h"

namespace grpo::logs {

struct RunUpdate {
  std::vector<Json> metrics;           // lines added to metrics.jsonl, in file order
  std::vector<Json> evals;             // lines added to eval.jsonl
  std::vector<RolloutFile> new_steps;  // rollout files of steps not seen before, by step
  std::vector<std::string> warnings;
  bool empty() const { return metrics.empty() && evals.empty() && new_steps.empty() && warnings.empty(); }
};

class RunFollower {
 public:
  // The first poll() reports everything already there.
  explicit RunFollower(std::filesystem::path run_dir);
  RunUpdate poll();

 private:
  std::filesystem::path run_dir_;
  JsonLinesTail metrics_;
  JsonLinesTail evals_;
  std::set<int64_t> seen_steps_;
};

}  // namespace grpo::logs
