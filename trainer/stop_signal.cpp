#include "trainer/stop_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace grpo {

namespace {

std::atomic<int> requested_signal{0};
struct sigaction previous_int, previous_term;

// Only async-signal-safe calls here: write(2) and _exit(2).
void say(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void handle_stop_signal(int signal_number) {
  int expected = 0;
  if (requested_signal.compare_exchange_strong(expected, signal_number)) {
    say(signal_number == SIGINT
            ? "\ngrpo: Ctrl-C: stopping at the next safe point (the end of the current phase, at most one "
              "reward batch) and saving a checkpoint; Ctrl-C again to stop now without saving\n"
            : "\ngrpo: SIGTERM: stopping at the next safe point and saving a checkpoint; a second signal "
              "stops "
              "now without saving\n");
    return;
  }
  say("\ngrpo: stopping now, without saving (the last checkpoint is intact)\n");
  ::_exit(128 + requested_signal.load());
}

}  // namespace

StopSignalScope::StopSignalScope() {
  requested_signal.store(0);
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = handle_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

StopSignalScope::~StopSignalScope() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int stop_signal() {
  return requested_signal.load();
}

void request_stop(int signal_number) {
  int expected = 0;
  requested_signal.compare_exchange_strong(expected, signal_number);
}

}  // namespace grpo
