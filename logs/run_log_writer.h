// The trainer's one handle on its run directory: config.toml, metrics.jsonl, eval.jsonl and rollouts/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "logs/json_lines.h"
#include "logs/rollout_log_writer.h"

namespace grpo::logs {

class RunLogWriter {
 public:
  // Creates RUN_DIR when absent and opens metrics.jsonl and eval.jsonl for appending (a resumed run appends;
  // readers keep the last line written for each step). Writes running.json (this process's id), which the
  // destructor removes: while it is there, the run is being written.
  RunLogWriter(std::filesystem::path run_dir, RolloutLogOptions rollout_options = {});
  ~RunLogWriter();
  RunLogWriter(const RunLogWriter&) = delete;
  RunLogWriter& operator=(const RunLogWriter&) = delete;

  // Writes config.toml atomically (the resolved configuration, as the trainer prints it).
  void write_config(const std::string& toml_text);
  // One line of metrics.jsonl; must hold "step" (see logs/metric_names.h for the keys).
  void append_metrics(const Json& metrics);
  // One line of eval.jsonl; must hold "step".
  void append_eval(const Json& eval);
  // The step's completions (see RolloutLogWriter::write_step).
  size_t write_rollouts(int64_t step, const std::vector<RolloutRecord>& records);

  const std::filesystem::path& run_dir() const { return run_dir_; }
  RolloutLogWriter& rollouts() { return rollouts_; }

 private:
  std::filesystem::path run_dir_;
  JsonlAppender metrics_;
  JsonlAppender evals_;
  RolloutLogWriter rollouts_;
};

}  // namespace grpo::logs
