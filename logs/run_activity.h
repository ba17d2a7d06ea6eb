// Whether a trainer is writing a run directory now: RUN_DIR/running.json ({"pid", "host"}) exists for as long
// as a RunLogWriter has the run open. `grpo logs --follow` uses it to stop when the run ends.
#pragma once

#include <cstdint>
#include <filesystem>

namespace grpo::logs {

void mark_running(const std::filesystem::path& run_dir);    // writes running.json for this process
void unmark_running(const std::filesystem::path& run_dir);  // removes it (never throws)

enum class RunActivity {
  not_started,  // no running.json and nothing logged yet
  running,      // running.json names a live process (or one on another host, which cannot be checked)
  ended,        // no running.json, and the run has logs: it finished (or was stopped) cleanly
  abandoned,    // running.json names a process of this host that is gone: the trainer was killed
};
struct RunState {
  RunActivity activity = RunActivity::not_started;
  int64_t pid = 0;  // of running.json, when there is one
};
RunState run_state(const std::filesystem::path& run_dir);

}  // namespace grpo::logs
