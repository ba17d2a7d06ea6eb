// Command-line options that take [true|false|auto] (--bf16 and the like): given alone they mean true.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace grpo::app {

inline CLI::Option* add_switch_option(CLI::App& cmd, const std::string& name, std::string& value,
                                      const std::string& help, const std::string& group) {
  return cmd.add_option(name, value, help)->expected(0, 1)->type_name("[true|false|auto]")->group(group);
}

// After parsing: the option `name` given without a value becomes "true"; not given, it keeps its default
// ("auto"). Both in `value` and in what the run's config.toml records (app/config_file.h writes an option's
// results, else its default text; CLI11 would fill a bare option with a captured default instead of "true").
inline void finish_switch_option(CLI::App& cmd, const std::string& name, std::string& value) {
  CLI::Option* option = cmd.get_option(name);
  if (option->count() == 0) {
    option->default_str(value);
  } else if (value.empty()) {
    value = "true";
    option->clear();
    option->add_result(value);
  }
}

// --bf16 (TRL's name) for the commands that train.
inline CLI::Option* add_bf16_option(CLI::App& cmd, std::string& value, const std::string& help,
                                    const std::string& group) {
  return add_switch_option(cmd, "--bf16", value, help + " (default auto: on with CUDA)", group);
}

}  // namespace grpo::app
