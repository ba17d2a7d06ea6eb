// How subcommands plug into the `grpo` executable.
// Each app/cmd_*.cpp defines one add_*_command(); it registers a CLI11 subcommand whose callback
// stores the action to run. main() parses, applies the global options, then runs the action once,
// catching every error at the top.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace grpo::app {

struct GlobalOptions {
  int threads = 0;             // 0 = all cores
  std::string device = "cpu";  // cpu | cuda | cuda:N
  uint64_t seed = 1;
  bool quiet = false;
};

struct CommandContext {
  GlobalOptions global;
  std::function<void()> action;  // set by the chosen subcommand's callback
  // Set by the callbacks of commands that compute with tensors (train, eval, ...): only they print the
  // threads and device in use.
  bool uses_tensors = false;
};

// A subcommand registers itself from its own file, so adding one touches no shared file:
//   static const CommandRegistration registration{"init", 10, add_init_command};
// `order` sets its place in `grpo --help`.
using AddCommand = void (*)(CLI::App& app, CommandContext& context);
struct CommandRegistration {
  CommandRegistration(const char* name, int order, AddCommand add);
};

struct RegisteredCommand {
  const char* name;
  int order;
  AddCommand add;
};
std::vector<RegisteredCommand>& registered_commands();

// The subcommands chosen on the command line, outermost first ({data, generate} for `grpo data generate`).
inline std::vector<const CLI::App*> chosen_subcommands(const CLI::App& root) {
  std::vector<const CLI::App*> chain;
  for (const CLI::App* app = &root; !app->get_subcommands().empty();) {
    app = app->get_subcommands().front();
    chain.push_back(app);
  }
  return chain;
}

}  // namespace grpo::app
