// grpo: the command-line entry point. Parses options (flags or --config run.toml), applies the
// global ones (threads, device, seed) and runs the chosen subcommand; every error is printed once here.
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/cli_errors.h"
#include "app/command.h"
#include "app/config_file.h"
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
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--device", context.global.device, "Where tensors live: cpu, cuda or cuda:N")
      ->capture_default_str();
  app.add_option("--seed", context.global.seed, "Random seed")->capture_default_str();
  app.add_flag("-q,--quiet", context.global.quiet, "Print less");
  app.require_subcommand(1);
  app.fallthrough();

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(),
            [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (const auto& command : commands) command.add(app, context);

  try {
    // The file's keys first, so that a mistyped one is named even when it leaves a required option unset.
    const std::string config_file = config_file_argument(argc, argv);
    if (!config_file.empty()) check_config_file(app, config_file);
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "grpo: error: {}\n", usage_error_message(app, e));
    return kExitUsage;
  } catch (const grpo::Error& e) {  // a config file's unknown key
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return kExitUsage;
  }
  if (dump_config) {
    std::cout << options_as_toml(app, true);
    return 0;
  }
  try {
    if (context.uses_tensors) {  // the threads and device matter only where tensors are computed
      const torch::Device device = grpo::parse_device(context.global.device);  // an absent CUDA fails here
      const int threads = grpo::configure_threads(context.global.threads);
      if (!context.global.quiet) {
        fmt::print(stderr, "grpo: {} thread{} on {}\n", threads, threads == 1 ? "" : "s",
                   context.global.device);
      }
      if (device.is_cpu()) {
        const std::string blas_warning = grpo::blas_thread_warning(torch::kCPU, threads);
        if (!blas_warning.empty()) fmt::print(stderr, "grpo: warning: {}\n", blas_warning);
      }
    } else {
      grpo::configure_threads(context.global.threads);
    }
    if (context.action) context.action();
  } catch (const grpo::Error& e) {
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return kExitError;
  } catch (const c10::Error& e) {
    fmt::print(stderr, "grpo: error (torch): {}\n", e.what_without_backtrace());
    return kExitError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return kExitError;
  }
  return 0;
}
