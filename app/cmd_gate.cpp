// `grpo gate DIRECT.json FORCED.json`: the reasoning recipe's gate before RL (logs/reasoning_gate.h), from
// two `grpo eval --json` results on the same held-out box-stacking problems; prints the checks and writes
// them as JSON (a run directory's gate.json, which `grpo report` shows).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "core/files.h"
#include "logs/reasoning_gate.h"

namespace grpo::app {
namespace {

struct GateArguments {
  std::string direct;
  std::string forced;
  std::string out;
  bool require = false;
};

logs::Json read_eval(const std::string& path) {
  logs::Json value = logs::Json::parse(read_file(path), nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    fail("'{}' is not a JSON object; give the output of `grpo eval --json`", path);
  }
  return value;
}

void run_gate(const GateArguments& arguments) {
  const logs::Json gate = logs::reasoning_gate(read_eval(arguments.direct), read_eval(arguments.forced));
  fmt::print("{}", logs::format_gate(gate));
  if (!arguments.out.empty()) write_file_atomically(arguments.out, gate.dump(2) + "\n");
  if (arguments.require && !gate["passed"].get<bool>()) fail("the gate did not pass (--require)");
}

void add_gate_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<GateArguments>();
  CLI::App* command = app.add_subcommand(
      "gate",
      "The gate before RL of the box-stacking reasoning recipe, from two `grpo eval --json` results on the "
      "same\n"
      "problems: direct answering (greedy and k samples) and a forced chain prefix (--prefill). Checks: the\n"
      "forced chain beats direct answering by >= 0.15, its steps are >= 90% right, >= 1% of the direct "
      "samples\n"
      "hold a chain (docs/LOGS.md, \"Reasoning\").\n"
      "Example: grpo gate direct.json forced.json --out runs/demo/gate.json");
  command->add_option("DIRECT", arguments->direct, "grpo eval --json without a prefill, with --k > 0")
      ->required();
  command->add_option("FORCED", arguments->forced, "grpo eval --json with the chain prefix as --prefill")
      ->required();
  command->add_option("--out", arguments->out, "Also write the checks as JSON here (e.g. RUN_DIR/gate.json)");
  command->add_flag("--require", arguments->require, "Exit with an error when the gate does not pass");
  command->callback([arguments, &context] { context.action = [arguments] { run_gate(*arguments); }; });
}

const CommandRegistration registration{"gate", 46, add_gate_command};

}  // namespace
}  // namespace grpo::app
