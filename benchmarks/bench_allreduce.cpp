// bench_allreduce: the speed of the trainer's gradient all-reduce (distributed::Collectives::all_reduce_sum:
// Gloo, flat fp32 buckets of 64 MiB) between --nproc local ranks that this program forks (over loopback), or
// between ranks started by a launcher (torchrun's RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT). For each
// buffer size, the best of --repeats rounds (a small all-reduce lines the ranks up before each): seconds,
// algorithm bandwidth (bytes / s) and bus bandwidth (2 (W - 1) / W x bytes / s, what a ring moves per rank:
// the figure nccl-tests reports, comparable across rank counts).
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "core/error.h"
#include "distributed/collectives.h"
#include "distributed/rank_environment.h"

namespace {

struct Options {
  int nproc = 2;  // ranks to fork when no launcher set WORLD_SIZE
  int port = 29533;
  int repeats = 5;
  int parts = 1;  // the buffer as this many tensors (> 1: through the bucket, as the gradients go)
  std::vector<int64_t> sizes_mib = {1, 8, 64, 256};
};

void run_rank(const grpo::distributed::RankEnvironment& env, const Options& options) {
  torch::set_num_threads(1);
  grpo::distributed::DistributedOptions distributed;
  distributed.timeout_seconds = 300;
  auto collectives = grpo::distributed::Collectives::connect(env, distributed, torch::kCPU);
  std::vector<double> line_up{1.0};
  if (env.rank == 0) {
    fmt::print(
        "bench_allreduce: {} ranks (Gloo via {}:{}), fp32 as {} tensor(s), Collectives::all_reduce_sum, best "
        "of "
        "{}\n",
        env.world_size, env.master_addr, env.master_port, options.parts, options.repeats);
    fmt::print("{:>10} {:>12} {:>16} {:>16}\n", "MiB", "seconds", "algbw GB/s", "busbw GB/s");
  }
  for (const int64_t mib : options.sizes_mib) {
    const auto buffer = torch::ones({mib * (1 << 20) / 4}, torch::kFloat32);  // [mib MiB / 4 bytes]
    const std::vector<torch::Tensor> tensors = buffer.chunk(options.parts);   // views of it
    collectives->all_reduce_sum(tensors);                                     // warm-up
    double best = 1e30;
    for (int round = 0; round < options.repeats; ++round) {
      collectives->all_reduce_sum(line_up);
      const double start = grpo::bench::now_seconds();
      collectives->all_reduce_sum(tensors);
      best = std::min(best, grpo::bench::now_seconds() - start);
    }
    const double bytes = static_cast<double>(buffer.numel()) * 4.0;
    const double ring = 2.0 * (env.world_size - 1) / env.world_size;
    if (env.rank == 0) {
      fmt::print("{:>10} {:>12.4f} {:>16.3f} {:>16.3f}\n", mib, best, bytes / best / 1e9,
                 ring * bytes / best / 1e9);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"bench_allreduce: the gradient all-reduce's speed between local or launched ranks"};
  app.add_option("--nproc", options.nproc,
                 "Ranks to fork here (ignored under a launcher that sets WORLD_SIZE)")
      ->check(CLI::Range(2, 64));
  app.add_option("--port", options.port, "MASTER_PORT for the forked ranks");
  app.add_option("--repeats", options.repeats, "Timed rounds per size")->check(CLI::PositiveNumber);
  app.add_option("--parts", options.parts, "The buffer as this many tensors (> 1: bucketed, as gradients)")
      ->check(CLI::PositiveNumber);
  app.add_option("--sizes-mib", options.sizes_mib, "Buffer sizes in MiB");
  CLI11_PARSE(app, argc, argv);
  try {
    auto env = grpo::distributed::rank_environment_from();
    if (env.is_distributed()) {
      run_rank(env, options);
      return 0;
    }
    // Fork the ranks before LibTorch starts any thread.
    env.world_size = env.local_world_size = options.nproc;
    env.master_port = options.port;
    std::vector<pid_t> children;
    for (int rank = 1; rank < options.nproc; ++rank) {
      const pid_t pid = fork();
      if (pid < 0) grpo::fail("fork failed");
      if (pid == 0) {
        env.rank = env.local_rank = rank;
        run_rank(env, options);
        std::_Exit(0);
      }
      children.push_back(pid);
    }
    run_rank(env, options);
    int failures = 0;
    for (const pid_t child : children) {
      int status = 0;
      waitpid(child, &status, 0);
      failures += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    }
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_allreduce: {}\n", error.what());
    return 1;
  }
}
