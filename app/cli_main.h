// The command line of both executables: `grpo` (the commands that need no tensors, without LibTorch) and
// `grpo-torch` (every command). Parses options (flags or --config run.toml), runs the chosen subcommand and
// prints every error once.
#pragma once

#include <exception>
#include <string>

#include "app/command.h"

namespace grpo::app {

struct CliHooks {
  // Before the command runs (grpo-torch: the device, threads and BLAS check; see
  // CommandContext::uses_tensors).
  void (*prepare)(const CommandContext& context) = nullptr;
  // The message for an exception that is not grpo's own (grpo-torch: LibTorch's, without its backtrace);
  // null or an empty result: e.what().
  std::string (*describe)(const std::exception& error) = nullptr;
  // `grpo` only: a command line it cannot run itself (another command, a parse error, the top-level --help
  // or --version, a config file naming other commands) is handed to this, which does not return.
  [[noreturn]] void (*hand_over)(char** argv) = nullptr;
};

// The exit code: 0 done, kExitError, kExitUsage (app/cli_errors.h).
int run_cli(int argc, char** argv, const CliHooks& hooks);

}  // namespace grpo::app
