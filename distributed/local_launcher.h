// `grpo train --nproc-per-node N`: this program started N times on this machine as the ranks of one
// data-parallel run, each with torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR=127.0.0.1, MASTER_PORT) and its share of the threads. The launcher waits for them, forwards
// SIGINT and SIGTERM (the ranks run in their own process group, so a terminal's Ctrl-C reaches them once),
// and when a rank dies it names the rank and gives the others --dist-timeout to stop by themselves before
// killing them. A rank whose launcher dies gets SIGTERM.
#pragma once

namespace grpo::distributed {

// Set in the ranks' environment: the command line they run must not launch again.
inline constexpr const char* kLaunchedRankVariable = "GRPO_LAUNCHED_RANK";
// Set in the ranks' environment: the threads each rank uses (the launcher's --threads shared out).
inline constexpr const char* kRankThreadsVariable = "GRPO_RANK_THREADS";

struct LaunchSettings {
  int processes = 1;              // N
  int master_port = 0;            // 0: a free port of the loopback interface
  int threads = 0;                // threads to share among the ranks (0: every core)
  double timeout_seconds = 1800;  // after a rank dies, how long the others get to stop
};

// Runs this program's command line (/proc/self/cmdline) as N ranks and returns the exit status to report:
// 0 when every rank succeeded, 128 + N after a forwarded signal N, else the first failing rank's status.
int launch_local_ranks(const LaunchSettings& settings);

// True in a rank that a launcher started.
bool launched_by_local_launcher();

}  // namespace grpo::distributed
