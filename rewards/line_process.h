// A long-lived child process started with /bin/sh -c, spoken to in lines: one socket is its stdin and stdout
// (stderr stays the parent's). Each exchange sends one line and waits, with a deadline, for one line back.
#pragma once

#include <sys/types.h>

#include <string>

namespace grpo {

class LineProcess {
 public:
  // Starts `command` in its own process group; throws grpo::Error when it cannot be started.
  explicit LineProcess(const std::string& command);
  // Closes the child's stdin, gives it a second to exit, then kills its process group.
  ~LineProcess();
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;

  // Sends `line` (a trailing '\n' is added) and returns the next line the child writes (without its '\n').
  // Throws grpo::Error describing what happened ("exited with status 3", "was killed by signal 11 (...)",
  // "did not answer within 5 s", "wrote more than 64 MiB without a newline"); the child is killed first.
  std::string exchange(const std::string& line, double timeout_seconds);

  // Kills the process group now and reaps the child.
  void kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  std::string describe_exit();

  pid_t pid_ = -1;
  int socket_ = -1;
  std::string buffer_;  // bytes read past the last returned line
};

}  // namespace grpo
