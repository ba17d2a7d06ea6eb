// grpo: the command-line entry point. Parses options (flags or --config run.toml), applies the
// global ones (threads, device, seed) and runs the chosen subcommand; every error is printed once here.
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/command.h"
#include "core/error.h"
#include "core/malloc_tuning.h"
#include "core/openmp_wait_policy.h"
#include "model/device.h"

namespace grpo::app {
std::vector<RegisteredCommand>& registered_commands() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}
CommandRegistration::CommandRegistration(const char* name, int order, AddCommand add) {
  registered_commands().push_back({name, order, add});
}
}  // namespace grpo::app

int main(int argc, char** argv) {
  // First: may start the program again (core/openmp_wait_policy.h); then before any tensor is allocated.
  grpo::use_passive_openmp_wait_policy(argv);
  grpo::keep_freed_memory_in_process();
  using namespace grpo::app;
  CommandContext context;
  CLI::App app{
      "grpo: teach a language model to reason with reinforcement learning alone (GRPO, as "
      "DeepSeek-R1-Zero).\n"
      "Run `grpo SUBCOMMAND --help` for each subcommand's options. Every option can also be set in a TOML\n"
      "file given with --config; --dump-config prints the resolved options in that format.",
      "grpo"};
  app.set_config("--config", "", "Read options from a TOML file (as written by --dump-config)");
  app.set_version_flag("--version", "grpo 0.1.0");
  bool dump_config = false;
  app.add_flag("--dump-config", dump_config, "Print the resolved options as TOML and exit")
      ->configurable(false);
  app.add_option("--threads", context.global.threads, "CPU threads for tensor maths (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", context.global.device, "Where tensors live: cpu, cuda or cuda:N");
  app.add_option("--seed", context.global.seed, "Random seed");
  app.add_flag("-q,--quiet", context.global.quiet, "Print less");
  app.require_subcommand(1);
  app.fallthrough();

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(),
            [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (const auto& command : commands) command.add(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (dump_config) {
    std::cout << app.config_to_str(true, true);
    return 0;
  }
  try {
    int threads = grpo::configure_threads(context.global.threads);
    if (!context.global.quiet) {
      fmt::print(stderr, "grpo: {} thread{} on {}\n", threads, threads == 1 ? "" : "s",
                 context.global.device);
    }
    if (context.global.device == "cpu") {  // the only spelling parse_device takes for the CPU
      const std::string blas_warning = grpo::blas_thread_warning(torch::kCPU, threads);
      if (!blas_warning.empty()) fmt::print(stderr, "grpo: warning: {}\n", blas_warning);
    }
    if (context.action) context.action();
  } catch (const grpo::Error& e) {
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    fmt::print(stderr, "grpo: error (torch): {}\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
