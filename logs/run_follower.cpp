#include "logs/run_follower.h"

namespace grpo::logs {

RunFollower::RunFollower(std::filesystem::path run_dir)
    : run_dir_(std::move(run_dir)), metrics_(run_dir_ / kMetricsFile), evals_(run_dir_ / kEvalFile) {}

RunUpdate RunFollower::poll() {
  RunUpdate update;
  JsonLines metrics = metrics_.poll();
  JsonLines evals = evals_.poll();
  update.metrics = std::move(metrics.objects);
  update.evals = std::move(evals.objects);
  update.warnings = std::move(metrics.warnings);
  update.warnings.insert(update.warnings.end(), evals.warnings.begin(), evals.warnings.end());
  for (auto& file : list_rollout_files(run_dir_)) {
    if (seen_steps_.insert(file.step).second) update.new_steps.push_back(std::move(file));
  }
  return update;
}

}  // namespace grpo::logs
