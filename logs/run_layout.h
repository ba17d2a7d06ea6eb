// The run directory layout: the names of its files and of the per-step rollout files (see docs/LOGS.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace grpo::logs {

inline constexpr const char* kConfigFile = "config.toml";
inline constexpr const char* kMetricsFile = "metrics.jsonl";
inline constexpr const char* kEvalFile = "eval.jsonl";
inline constexpr const char* kRolloutsDir = "rollouts";
inline constexpr const char* kReportFile = "report.html";
// {"pid": N, "host": "..."}: present while a trainer writes the run (RunLogWriter's lifetime); `grpo logs
// --follow` stops when it goes, or when its process is no longer alive (a killed trainer).
inline constexpr const char* kRunningFile = "running.json";

// rollouts/step_00000042.jsonl (while recent) or rollouts/step_00000042.jsonl.gz (once compressed).
std::string rollout_file_name(int64_t step, bool compressed);

// The step of a rollout file name, or nothing for any other name (temporary files, foreign files).
struct RolloutFileName {
  int64_t step = 0;
  bool compressed = false;
};
std::optional<RolloutFileName> parse_rollout_file_name(const std::string& name);

struct RolloutFile {
  int64_t step = 0;
  std::filesystem::path path;
  bool compressed = false;
};

// The rollout files of a run, sorted by step; one per step (the plain file wins when a crash left both).
// An absent rollouts/ folder gives an empty list.
std::vector<RolloutFile> list_rollout_files(const std::filesystem::path& run_dir);

}  // namespace grpo::logs
