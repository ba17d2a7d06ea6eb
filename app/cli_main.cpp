#include "app/cli_main.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "app/cli_errors.h"
#include "app/config_file.h"
#include "core/error.h"

namespace grpo::app {
namespace {

void add_global_options(CLI::App& app, GlobalOptions& global, bool& dump_config) {
  app.set_config("--config", "", "Read options from a TOML file (as written by --dump-config)");
  app.set_version_flag("--version", "grpo 0.1.0");
  app.add_flag("--dump-config", dump_config, "Print the resolved options as TOML and exit")
      ->configurable(false);
  app.add_option("--threads", global.threads, "CPU threads for tensor maths (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--device", global.device, "Where tensors live: cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--seed", global.seed, "Random seed")->capture_default_str();
  app.add_flag("-q,--quiet", global.quiet, "Print less");
}

void add_registered_commands(CLI::App& app, CommandContext& context) {
  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(),
            [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (const auto& command : commands) command.add(app, context);
}

}  // namespace

int run_cli(int argc, char** argv, const CliHooks& hooks) {
  CommandContext context;
  CLI::App app{
      "grpo: teach a language model to reason with reinforcement learning alone (GRPO, as "
      "DeepSeek-R1-Zero).\n"
      "Run `grpo SUBCOMMAND --help` for each subcommand's options. Every option can also be set in a TOML\n"
      "file given with --config; --dump-config prints the resolved options in that format.",
      "grpo"};
  bool dump_config = false;
  add_global_options(app, context.global, dump_config);
  app.require_subcommand(1);
  app.fallthrough();
  add_registered_commands(app, context);

  try {
    // The file's keys first, so that a mistyped one is named even when it leaves a required option unset.
    const std::string config_file = config_file_argument(argc, argv);
    if (!config_file.empty()) check_config_file(app, config_file);
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    if (hooks.hand_over != nullptr && chosen_subcommands(app).empty()) hooks.hand_over(argv);
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (hooks.hand_over != nullptr) hooks.hand_over(argv);
    fmt::print(stderr, "grpo: error: {}\n", usage_error_message(app, e));
    return kExitUsage;
  } catch (const grpo::Error& e) {  // a config file's unknown key
    if (hooks.hand_over != nullptr) hooks.hand_over(argv);
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return kExitUsage;
  }
  if (dump_config) {
    std::cout << options_as_toml(app, true);
    return 0;
  }
  try {
    if (hooks.prepare != nullptr) hooks.prepare(context);
    if (context.action) context.action();
  } catch (const grpo::Error& e) {
    fmt::print(stderr, "grpo: error: {}\n", e.what());
    return kExitError;
  } catch (const std::exception& e) {
    const std::string described = hooks.describe != nullptr ? hooks.describe(e) : std::string();
    fmt::print(stderr, "grpo: error: {}\n", described.empty() ? std::string(e.what()) : described);
    return kExitError;
  }
  return 0;
}

}  // namespace grpo::app
