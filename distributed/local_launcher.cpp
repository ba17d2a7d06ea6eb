#include "distributed/local_launcher.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

extern char** environ;

namespace grpo::distributed {

namespace {

constexpr int kMaxRanks = 256;
pid_t g_rank_pids[kMaxRanks];
volatile sig_atomic_t g_rank_count = 0;
volatile sig_atomic_t g_forwarded_signal = 0;

void forward_signal(int signal_number) {
  if (g_forwarded_signal == 0) g_forwarded_signal = signal_number;
  for (int i = 0; i < g_rank_count; ++i) {
    if (g_rank_pids[i] > 0) ::kill(g_rank_pids[i], signal_number);
  }
}

// A port nobody listens on now (the kernel's choice); the ranks' rendezvous binds it a moment later.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("--nproc-per-node: cannot open a socket to find a free port ({})", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    fail("--nproc-per-node: cannot find a free port on 127.0.0.1 ({}); give one with --master-port",
         std::strerror(errno));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> arguments;
  size_t start = 0;
  while (start < all.size()) {
    const size_t end = all.find('\0', start);
    arguments.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (arguments.empty())
    fail("--nproc-per-node: cannot read this program's command line (/proc/self/cmdline)");
  return arguments;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

int shell_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

bool launched_by_local_launcher() {
  return std::getenv(kLaunchedRankVariable) != nullptr;
}

int launch_local_ranks(const LaunchSettings& settings) {
  if (settings.processes < 1 || settings.processes > kMaxRanks) {
    fail("--nproc-per-node must be in [1, {}], got {}", kMaxRanks, settings.processes);
  }
  if (std::getenv("WORLD_SIZE") != nullptr) {
    fail(
        "--nproc-per-node {}: WORLD_SIZE is already set (started by torchrun or another launcher?): use one "
        "launcher, not both",
        settings.processes);
  }
  const int port = settings.master_port > 0 ? settings.master_port : free_loopback_port();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int total_threads = settings.threads > 0 ? settings.threads : cores;
  const int rank_threads = std::max(1, total_threads / settings.processes);
  const std::vector<std::string> arguments = own_command_line();
  const std::string program = "/proc/self/exe";
  fmt::print(
      stderr,
      "grpo: starting {} ranks on this machine (MASTER_ADDR 127.0.0.1, MASTER_PORT {}), {} thread{} each\n",
      settings.processes, port, rank_threads, rank_threads == 1 ? "" : "s");
  std::fflush(stderr);

  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction previous_int {
  }, previous_term{};
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);

  const pid_t launcher = ::getpid();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < settings.processes; ++rank) {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    auto set = [&](const std::string& name, const std::string& value) {
      environment.erase(
          std::remove_if(environment.begin(), environment.end(),
                         [&](const std::string& entry) { return entry.rfind(name + "=", 0) == 0; }),
          environment.end());
      environment.push_back(name + "=" + value);
    };
    set("RANK", std::to_string(rank));
    set("WORLD_SIZE", std::to_string(settings.processes));
    set("LOCAL_RANK", std::to_string(rank));
    set("LOCAL_WORLD_SIZE", std::to_string(settings.processes));
    set("MASTER_ADDR", "127.0.0.1");
    set("MASTER_PORT", std::to_string(port));
    set(kLaunchedRankVariable, "1");
    // c10d's own log lines (glog) repeat what grpo's one-line errors say; the user's setting wins.
    if (std::getenv("GLOG_minloglevel") == nullptr) set("GLOG_minloglevel", "3");
    set(kRankThreadsVariable, std::to_string(rank_threads));
    set("OMP_NUM_THREADS", std::to_string(rank_threads));
    std::vector<char*> argv, envp;
    std::vector<std::string> argument_copy = arguments;
    for (auto& a : argument_copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      forward_signal(SIGKILL);
      fail("--nproc-per-node: cannot start rank {} ({})", rank, std::strerror(errno));
    }
    if (pid == 0) {
      ::setpgid(0, 0);  // a terminal's Ctrl-C reaches the launcher, which forwards it once
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(1);
      ::execve(program.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    pids.push_back(pid);
    g_rank_pids[rank] = pid;
    g_rank_count = rank + 1;
  }

  // Wait for every rank; after the first failure the others get the timeout to stop, then SIGKILL.
  using Clock = std::chrono::steady_clock;
  int result = 0;
  int failed_rank = -1;
  Clock::time_point deadline = Clock::time_point::max();
  size_t running = pids.size();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      if (Clock::now() > deadline) {
        fmt::print(stderr,
                   "grpo: the other ranks did not stop within --dist-timeout {:g} s after rank {} failed: "
                   "killing them\n",
                   settings.timeout_seconds, failed_rank);
        for (int i = 0; i < g_rank_count; ++i) {
          if (g_rank_pids[i] > 0) ::kill(g_rank_pids[i], SIGKILL);
        }
        deadline = Clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    const auto at = std::find(pids.begin(), pids.end(), pid);
    if (at == pids.end()) continue;
    const int rank = static_cast<int>(at - pids.begin());
    g_rank_pids[rank] = 0;
    --running;
    if (shell_status(status) == 0) continue;
    if (failed_rank < 0) {
      failed_rank = rank;
      result = shell_status(status);
      if (g_forwarded_signal == 0) {
        fmt::print(stderr, "grpo: rank {} (pid {}) {}; the other ranks stop within --dist-timeout {:g} s\n",
                   rank, pid, describe_status(status), settings.timeout_seconds);
        deadline = Clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(settings.timeout_seconds * 1000) + 5000);
      }
    }
  }
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  g_rank_count = 0;
  if (g_forwarded_signal != 0) return 128 + g_forwarded_signal;
  return result;
}

}  // namespace grpo::distributed
