#include "app/config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "app/command.h"
#include "core/error.h"
#include "core/spelling.h"

namespace grpo::app {
namespace {

// Options a file cannot hold: help, version, --config itself and those marked not configurable.
bool writable(const CLI::App& app, const CLI::Option* option) {
  return option->get_configurable() && option != app.get_help_ptr() && option != app.get_help_all_ptr() &&
         option != app.get_config_ptr() && option->get_single_name() != "version";
}

// The option's value as TOML: what was given, else its default, else empty (not set).
std::string toml_value(const CLI::Option* option) {
  std::string value = CLI::detail::ini_join(option->reduced_results());
  if (!value.empty()) return value;
  const std::string& default_text = option->get_default_str();
  if (option->get_expected_max() > 1 && default_text.size() >= 2 && default_text.front() == '[' &&
      default_text.back() == ']') {  // a list's default, as CLI11 prints it: "[a,b]"
    const std::string items = default_text.substr(1, default_text.size() - 2);
    return items.empty() ? "" : CLI::detail::ini_join(CLI::detail::split(items, ','));
  }
  if (!default_text.empty()) return CLI::detail::convert_arg_for_ini(default_text);
  if (option->get_expected_min() == 0) return "false";  // a flag
  return "";
}

void write_options(std::ostream& out, const CLI::App& app, bool descriptions) {
  for (const CLI::Option* option : app.get_options({})) {
    if (!writable(app, option)) continue;
    if (descriptions && !option->get_description().empty()) {
      out << "# " << CLI::detail::fix_newlines("# ", option->get_description()) << '\n';
    }
    const std::string value = toml_value(option);
    if (value.empty()) {
      out << "# " << option->get_single_name() << " =   (not set)\n";
    } else {
      out << option->get_single_name() << " = " << value << '\n';
    }
  }
}

std::vector<std::string> option_keys(const CLI::App& app) {
  std::vector<std::string> keys;
  for (const CLI::Option* option : app.get_options({})) {
    if (writable(app, option)) keys.push_back(option->get_single_name());
  }
  return keys;
}

// Every section name a file may hold: "train", "data.generate", ...
void section_names(const CLI::App& app, const std::string& prefix, std::vector<std::string>& names) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string name = prefix + sub->get_name();
    names.push_back(name);
    section_names(*sub, name + ".", names);
  }
}

const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

std::string trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// "run.toml:3" for the first line that holds `key = ...` (or `[section]`), or "run.toml" when none does.
std::string where(const std::string& path, const std::string& text, const std::string& key, bool section) {
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string content = trimmed(line);
    if (section ? content == "[" + key + "]" || content == "[[" + key + "]]"
                : content.compare(0, key.size(), key) == 0 &&
                      trimmed(content.substr(key.size())).compare(0, 1, "=") == 0) {
      return fmt::format("{}:{}", path, number);
    }
  }
  return path;
}

}  // namespace

std::string options_as_toml(const CLI::App& root, bool descriptions) {
  std::ostringstream out;
  const std::vector<const CLI::App*> chain = chosen_subcommands(root);
  std::string command = "grpo";
  for (const CLI::App* sub : chain) command += " " + sub->get_name();
  out << "# " << command << " options; read back with: grpo --config FILE " << command.substr(5) << "\n";
  write_options(out, root, descriptions);
  std::string section;
  for (const CLI::App* sub : chain) {
    section += (section.empty() ? "" : ".") + sub->get_name();
    out << "\n[" << section << "]\n";
    write_options(out, *sub, descriptions);
  }
  return out.str();
}

std::string config_file_argument(int argc, const char* const* argv) {
  const std::string option = "--config";
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == option && i + 1 < argc) return argv[i + 1];
    if (argument.compare(0, option.size() + 1, option + "=") == 0) return argument.substr(option.size() + 1);
  }
  return "";
}

void check_config_file(const CLI::App& root, const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("--config '{}' cannot be read", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::istringstream input(text);
  const std::vector<CLI::ConfigItem> items = CLI::ConfigTOML().from_config(input);
  for (const CLI::ConfigItem& item : items) {
    const CLI::App* app = &root;
    std::string section;
    for (const std::string& parent : item.parents) {
      section += (section.empty() ? "" : ".") + parent;
      app = find_subcommand(*app, parent);
      if (app == nullptr) {
        std::vector<std::string> sections;
        section_names(root, "", sections);
        const auto closest = closest_name(section, sections);
        fail("{}: unknown section [{}]{} (sections are subcommands: [train], [eval], [data.generate], ...)",
             where(path, text, section, true), section, closest ? "; did you mean [" + *closest + "]?" : "");
      }
    }
    if (item.name == "++" || item.name == "--") continue;  // section start and end markers
    const std::string in_section = section.empty() ? "at the top (global options)" : "in [" + section + "]";
    const CLI::Option* option = app->get_option_no_throw("--" + item.name);
    if (option == nullptr && item.name.size() == 1) option = app->get_option_no_throw("-" + item.name);
    if (option == nullptr) option = app->get_option_no_throw(item.name);
    if (option == nullptr) {
      std::string hint = did_you_mean(item.name, option_keys(*app));
      if (hint.empty() && section.empty()) {  // a command's key at the top
        std::string owners;
        for (const CLI::App* sub : root.get_subcommands({})) {
          if (sub->get_option_no_throw("--" + item.name) != nullptr) {
            owners += (owners.empty() ? "[" : ", [") + sub->get_name() + "]";
          }
        }
        if (!owners.empty()) hint = fmt::format("; it is a command's option: put it under {}", owners);
      }
      std::string command = section;
      std::replace(command.begin(), command.end(), '.', ' ');
      fail("{}: unknown key '{}' {}{} (`grpo {}--help` lists the options)",
           where(path, text, item.name, false), item.name, in_section, hint,
           command.empty() ? "" : command + " ");
    }
    if (!writable(*app, option)) {
      fail("{}: '{}' cannot be set in a config file; give it on the command line",
           where(path, text, item.name, false), item.name);
    }
  }
}

}  // namespace grpo::app
