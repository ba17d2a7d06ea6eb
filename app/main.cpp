// grpo: the command-line entry point. The commands that need no tensors (logs, report, data, reward,
// tokenizer, corpus) run here, without LibTorch, whose loading is all of a command's start-up (~1 s of CPU,
// BENCHMARKS.md); every other command line is handed to grpo-torch, the whole program, built beside this one.
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "app/cli_errors.h"
#include "app/cli_main.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void hand_over_to_grpo_torch(char** argv) {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  const fs::path torch_program = (error ? fs::path(argv[0]) : self).parent_path() / "grpo-torch";
  // What grpo-torch would otherwise start itself again for (core/openmp_wait_policy.h): idle OpenMP threads
  // sleep; the user's own setting wins.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  }
  execv(torch_program.c_str(), argv);
  fmt::print(stderr, "grpo: error: cannot start '{}' ({}): it is built and installed beside grpo; rebuild\n",
             torch_program.string(), std::strerror(errno));
  std::exit(grpo::app::kExitError);
}

}  // namespace

int main(int argc, char** argv) {
  grpo::app::CliHooks hooks;
  hooks.hand_over = hand_over_to_grpo_torch;
  return grpo::app::run_cli(argc, argv, hooks);
}
