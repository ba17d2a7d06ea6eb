#include "logs/run_log_writer.h"

#include <system_error>

#include "core/error.h"
#include "core/files.h"
#include "logs/run_activity.h"
#include "logs/run_layout.h"

namespace grpo::logs {

namespace fs = std::filesystem;

namespace {
// Creates the run directory and marks it running before any log file exists, so that a follower never sees
// logs without the marker (which reads as a run that has ended).
fs::path created_and_marked_running(const fs::path& run_dir) {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) fail("cannot create the run directory '{}': {}", run_dir.string(), ec.message());
  mark_running(run_dir);
  return run_dir;
}

void check_has_step(const Json& object, const fs::path& file) {
  auto step = object.find("step");
  if (!object.is_object() || step == object.end() || !step->is_number_integer()) {
    fail("a line for '{}' needs an integer \"step\" field; got {}", file.string(),
         to_json_line(object).substr(0, 80));
  }
}
}  // namespace

RunLogWriter::RunLogWriter(fs::path run_dir, RolloutLogOptions rollout_options)
    : run_dir_(created_and_marked_running(run_dir)),
      metrics_(run_dir_ / kMetricsFile),
      evals_(run_dir_ / kEvalFile),
      rollouts_(run_dir_, rollout_options) {}

RunLogWriter::~RunLogWriter() {
  unmark_running(run_dir_);
}

void RunLogWriter::write_config(const std::string& toml_text) {
  write_file_atomically(run_dir_ / kConfigFile, toml_text);
}

void RunLogWriter::append_metrics(const Json& metrics) {
  check_has_step(metrics, metrics_.path());
  metrics_.append(metrics);
}

void RunLogWriter::append_eval(const Json& eval) {
  check_has_step(eval, evals_.path());
  evals_.append(eval);
}

size_t RunLogWriter::write_rollouts(int64_t step, const std::vector<RolloutRecord>& records) {
  return rollouts_.write_step(step, records);
}

}  // namespace grpo::logs
