// Reads a run directory back: configuration, metrics and evaluations, the list of rollout files, and each
// step's completions. Damaged lines are skipped with warnings (collected here; commands print them on
// stderr).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "logs/json_lines.h"
#include "logs/rollout_record.h"
#include "logs/run_layout.h"

namespace grpo::logs {

struct RunLogs {
  std::filesystem::path run_dir;
  std::optional<std::string> config_toml;
  std::vector<Json> metrics;  // one object per step, sorted by step; the last line written for a step wins
  std::vector<Json> evals;    // idem
  std::vector<RolloutFile> rollout_files;  // sorted by step
  std::vector<std::string> warnings;
};

// Throws grpo::Error when `run_dir` is not a directory or holds none of the run files.
RunLogs read_run(const std::filesystem::path& run_dir);

// The records of one rollout file (plain or gzipped); damaged lines become warnings.
std::vector<RolloutRecord> read_rollout_file(const RolloutFile& file, std::vector<std::string>& warnings);

// Lines of a metrics or eval file: keeps the last object per integer "step", sorted by step. Objects without
// an integer step become warnings naming `source`.
std::vector<Json> last_per_step(std::vector<Json> objects, const std::string& source,
                                std::vector<std::string>& warnings);

// A number field of a metrics/eval object, or nothing when absent, null or not a number.
std::optional<double> number_field(const Json& object, const std::string& key);
int64_t step_of(const Json& object);  // the "step" field (callers have checked it through last_per_step)

}  // namespace grpo::logs
