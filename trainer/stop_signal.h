// Stopping a training run with SIGINT (Ctrl-C) or SIGTERM (a scheduler's preemption).
// The first signal is acknowledged at once on stderr and recorded; the trainer then stops at the next safe
// point (between phases of a step, or between evaluation batches), saves a checkpoint of a consistent state
// and the command exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), so schedulers see a
// preemption. A second signal exits at once with that code, without saving.
#pragma once

namespace grpo {

// Installs the handlers for its lifetime (clearing any earlier request) and restores the previous ones after.
class StopSignalScope {
 public:
  StopSignalScope();
  ~StopSignalScope();
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;
};

// The signal that asked the run to stop (SIGINT, SIGTERM), or 0.
int stop_signal();
inline bool stop_requested() {
  return stop_signal() != 0;
}

// Asks the run to stop as the first signal would (tests; other stop conditions).
void request_stop(int signal_number);

}  // namespace grpo
