#include "app/cli_errors.h"

#include <fmt/format.h>

#include <vector>

#include "app/command.h"
#include "core/spelling.h"

namespace grpo::app {
namespace {

std::string command_line_of(const std::vector<const CLI::App*>& chain) {
  std::string text = "grpo";
  for (const CLI::App* sub : chain) text += " " + sub->get_name();
  return text;
}

// Every spelling of the options a mistyped one may have meant: the command's and the global ones.
std::vector<std::string> option_spellings(const CLI::App& root, const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* app : {&command, &root}) {
    for (const CLI::Option* option : app->get_options({})) {
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
      for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
    if (app == &root) break;
  }
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

std::string usage_error_message(const CLI::App& root, const CLI::ParseError& error) {
  const std::vector<const CLI::App*> chain = chosen_subcommands(root);
  const CLI::App& command = chain.empty() ? root : *chain.back();
  const std::string command_line = command_line_of(chain);
  const std::string help = fmt::format("`{} --help` lists {}", command_line,
                                       command.get_subcommands({}).empty() ? "the options" : "the commands");
  const std::vector<std::string> left = root.remaining(true);

  const std::vector<std::string> commands = subcommand_names(command);
  const bool wants_command = !commands.empty() && command.get_subcommands().empty();
  if (wants_command) {  // `grpo trian ...`: the first word that is not an option was meant as the command
    for (const std::string& argument : left) {
      if (argument.empty() || argument[0] == '-') continue;
      return fmt::format("unknown command '{}' for `{}`{} (commands: {})", argument, command_line,
                         did_you_mean(argument, commands), joined(commands));
    }
  }
  for (const std::string& argument : left) {  // an option nobody knows
    if (argument.size() < 2 || argument[0] != '-') continue;
    const std::string name = argument.substr(0, argument.find('='));
    return fmt::format("unknown option '{}' for `{}`{} ({})", name, command_line,
                       did_you_mean(name, option_spellings(root, command)), help);
  }
  if (!left.empty()) {
    return fmt::format("unexpected argument '{}' for `{}` ({})", left.front(), command_line, help);
  }
  if (wants_command && dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    return fmt::format("`{}` needs a command: {} ({})", command_line, joined(commands), help);
  }
  return fmt::format("{}: {} ({})", command_line, error.what(), help);
}

}  // namespace grpo::app
