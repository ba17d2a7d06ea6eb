#include "rewards/line_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace grpo {

namespace {

constexpr size_t kMaxLineBytes = size_t{64} << 20;

using Clock = std::chrono::steady_clock;

// Waits up to `seconds` for the child to exit, without reaping it; returns whether it has.
bool wait_for_exit(pid_t pid, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return true;  // gone
    if (info.si_pid != 0) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    std::string out = "exited with status " + std::to_string(code);
    if (code == 127) out += " (command not found?)";
    if (code == 126) out += " (command not executable?)";
    return out;
  }
  if (WIFSIGNALED(status)) {
    int signal_number = WTERMSIG(status);
    const char* name = strsignal(signal_number);
    return "was killed by signal " + std::to_string(signal_number) + " (" + (name ? name : "?") + ")";
  }
  return "stopped";
}

}  // namespace

LineProcess::LineProcess(const std::string& command) {
  std::array<int, 2> sockets{};
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets.data()) != 0) {
    fail("cannot create a socket pair for '{}': {}", command, std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], 0);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::string shell = "sh";
  std::string flag = "-c";
  std::string command_copy = command;
  char* argv[] = {shell.data(), flag.data(), command_copy.data(), nullptr};
  int error = posix_spawn(&pid_, "/bin/sh", &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(sockets[1]);
  if (error != 0) {
    close(sockets[0]);
    pid_ = -1;
    fail("cannot start '{}' with /bin/sh: {}", command, std::strerror(error));
  }
  socket_ = sockets[0];
  fcntl(socket_, F_SETFL, fcntl(socket_, F_GETFL) | O_NONBLOCK);
}

LineProcess::~LineProcess() {
  if (pid_ <= 0) return;
  shutdown(socket_, SHUT_WR);  // the child reads end-of-file and can exit cleanly
  wait_for_exit(pid_, 1.0);
  kill();
}

void LineProcess::kill() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);  // the whole group: sh and whatever it started
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (socket_ >= 0) {
    close(socket_);
    socket_ = -1;
  }
  buffer_.clear();
}

std::string LineProcess::describe_exit() {
  if (!wait_for_exit(pid_, 2.0)) {
    kill();
    return "closed its output (it was killed)";
  }
  int status = 0;
  ::kill(-pid_, SIGKILL);  // leftovers of its group; the leader is a zombie, so the group id is still its own
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  kill();
  return describe_status(status);
}

std::string LineProcess::exchange(const std::string& line, double timeout_seconds) {
  if (pid_ <= 0) fail("the process is not running");
  std::string request = line;
  request += '\n';
  size_t written = 0;
  size_t scanned = 0;  // bytes of buffer_ already searched for '\n'
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 1e9);
  std::array<char, 65536> chunk{};
  while (true) {
    size_t newline = buffer_.find('\n', scanned);
    if (newline != std::string::npos) {
      std::string reply = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return reply;
    }
    scanned = buffer_.size();
    if (buffer_.size() > kMaxLineBytes) {
      kill();
      fail("wrote more than {} MiB without a newline (it was killed)", kMaxLineBytes >> 20);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      kill();
      fail("did not answer within {} s (it was killed)", timeout_seconds);
    }
    pollfd descriptor{socket_, static_cast<short>(POLLIN | (written < request.size() ? POLLOUT : 0)), 0};
    int ready = poll(&descriptor, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail("poll failed: {}", std::strerror(errno));
    }
    if (ready == 0) continue;
    if (descriptor.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(socket_, chunk.data(), chunk.size(), 0);
      if (n > 0) {
        buffer_.append(chunk.data(), static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        std::string what = describe_exit();
        fail("{} before answering", what);
      }
    }
    if ((descriptor.revents & POLLOUT) && written < request.size()) {
      ssize_t n = send(socket_, request.data() + written, request.size() - written, MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<size_t>(n);
      } else if (errno == EPIPE || errno == ECONNRESET) {
        std::string what = describe_exit();
        fail("{} before reading its input", what);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail("cannot write to it: {}", std::strerror(errno));
      }
    }
  }
}

}  // namespace grpo
