#include "logs/run_activity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "core/files.h"
#include "logs/json_lines.h"
#include "logs/run_layout.h"

namespace grpo::logs {

namespace fs = std::filesystem;

namespace {
std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}
}  // namespace

void mark_running(const fs::path& run_dir) {
  write_file_atomically(
      run_dir / kRunningFile,
      to_json_line(Json{{"pid", static_cast<int64_t>(::getpid())}, {"host", host_name()}}) + "\n");
}

void unmark_running(const fs::path& run_dir) {
  std::error_code ignored;
  fs::remove(run_dir / kRunningFile, ignored);
}

RunState run_state(const fs::path& run_dir) {
  RunState state;
  std::error_code error;
  const fs::path marker = run_dir / kRunningFile;
  if (fs::exists(marker, error)) {
    state.activity = RunActivity::running;
    try {
      const Json running = Json::parse(read_file(marker));
      state.pid = running.value("pid", int64_t{0});
      const bool here = running.value("host", std::string()) == host_name();
      if (here && state.pid > 0 && ::kill(static_cast<pid_t>(state.pid), 0) != 0 && errno == ESRCH) {
        state.activity = RunActivity::abandoned;
      }
    } catch (const std::exception&) {
      // Being written or removed at this moment: still running.
    }
    return state;
  }
  const bool logged = fs::exists(run_dir / kMetricsFile, error) || fs::exists(run_dir / kEvalFile, error) ||
                      fs::exists(run_dir / kConfigFile, error);
  state.activity = logged ? RunActivity::ended : RunActivity::not_started;
  return state;
}

}  // namespace grpo::logs
