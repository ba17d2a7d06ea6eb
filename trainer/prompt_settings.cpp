#include "trainer/prompt_settings.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "datasets/chat_prompt.h"

namespace grpo {

namespace fs = std::filesystem;

nlohmann::json PromptSettings::to_json() const {
  return {{"template", prompt_template.to_json()}, {"prefill", prefill}, {"stop_strings", stop_strings}};
}

PromptSettings PromptSettings::from_json(const nlohmann::json& value) {
  PromptSettings settings;
  settings.prompt_template = PromptTemplate::from_json(value.at("template"));
  settings.prefill = value.value("prefill", std::string());
  settings.stop_strings = value.value("stop_strings", std::vector<std::string>{});
  return settings;
}

namespace {

// DIR/prompt.json, else DIR/model/prompt.json (DIR a checkpoint); none when neither exists.
std::optional<fs::path> prompt_settings_file(const fs::path& model_or_checkpoint) {
  for (const fs::path& file :
       {model_or_checkpoint / kPromptSettingsFile, model_or_checkpoint / "model" / kPromptSettingsFile}) {
    if (fs::exists(file)) return file;
  }
  return std::nullopt;
}

// The chat options: each as given, else as stored with a chat template, else none. Adds to `taken` what came
// from the stored ones and to `overridden` the options given in their place.
ChatPromptOptions resolve_chat_options(const PromptRequest& given,
                                       const std::optional<PromptSettings>& stored,
                                       std::vector<std::string>& taken,
                                       std::vector<std::string>& overridden) {
  ChatPromptOptions stored_options;
  const bool stored_chat = stored && stored->prompt_template.is_chat();
  if (stored_chat) stored_options = ChatPromptOptions::from_json(stored->prompt_template.chat_options);
  ChatPromptOptions options = chat_prompt_options(
      given.system_prompt.value_or(""), given.chat_template_kwargs.value_or(std::vector<std::string>{}),
      given.assistant_prefix.value_or(""));
  if (stored_chat) {
    if (given.system_prompt) overridden.push_back("--system-prompt");
    if (given.chat_template_kwargs) overridden.push_back("--chat-template-kwargs");
    if (given.assistant_prefix) overridden.push_back("--assistant-prefix");
  }
  if (!given.system_prompt && stored_chat && !stored_options.system_prompt.empty()) {
    options.system_prompt = stored_options.system_prompt;
    taken.push_back("system prompt " + nlohmann::json(options.system_prompt).dump());
  }
  if (!given.chat_template_kwargs && stored_chat && !stored_options.template_kwargs.empty()) {
    options.template_kwargs = stored_options.template_kwargs;
    taken.push_back("chat_template_kwargs " + options.template_kwargs.dump());
  }
  if (!given.assistant_prefix && stored_chat && !stored_options.assistant_prefix.empty()) {
    options.assistant_prefix = stored_options.assistant_prefix;
    taken.push_back("assistant prefix " + nlohmann::json(options.assistant_prefix).dump());
  }
  return options;
}

}  // namespace

std::optional<PromptSettings> read_prompt_settings(const fs::path& model_or_checkpoint) {
  const std::optional<fs::path> file = prompt_settings_file(model_or_checkpoint);
  if (!file) return std::nullopt;
  try {
    return PromptSettings::from_json(nlohmann::json::parse(read_file(*file)));
  } catch (const nlohmann::json::exception& e) {
    fail("'{}' is not a valid prompt settings file ({}); delete it to prompt the model with the defaults",
         file->string(), e.what());
  }
}

ResolvedPrompt resolve_prompt_settings(const fs::path& model, const PromptRequest& given,
                                       const PromptRequest& defaults) {
  const std::optional<fs::path> file = prompt_settings_file(model);
  const std::optional<PromptSettings> stored = read_prompt_settings(model);
  ResolvedPrompt resolved;
  std::vector<std::string> taken, overridden;
  std::string template_name;
  if (given.template_name) {
    template_name = *given.template_name;
    if (stored) overridden.push_back("--template");
  } else if (stored) {
    template_name = stored->prompt_template.name;
    taken.push_back("template " + stored->prompt_template.name);
  } else {
    template_name = *defaults.template_name;
  }
  const bool chat = template_name == kChatTemplateName;
  const ChatPromptOptions chat_options =
      resolve_chat_options(given, chat ? stored : std::nullopt, taken, overridden);
  if (chat) {
    // The chat template of the model that prompt.json describes (a checkpoint's model/), else of `model`.
    const fs::path model_directory = file ? file->parent_path() : model;
    resolved.settings.prompt_template = chat_prompt_template(model_directory, chat_options);
  } else if (given.template_name || !stored) {
    resolved.settings.prompt_template = load_prompt_template(template_name, model, chat_options);
  } else {
    check_chat_options_apply(template_name, chat_options);
    resolved.settings.prompt_template = stored->prompt_template;  // its text as trained, even for a file
  }
  if (given.prefill) {
    resolved.settings.prefill = *given.prefill;
    if (stored) overridden.push_back("--prefill");
  } else if (stored) {
    resolved.settings.prefill = stored->prefill;
    taken.push_back("prefill " + nlohmann::json(stored->prefill).dump());
  } else {
    resolved.settings.prefill = *defaults.prefill;
  }
  if (given.stop_strings) {
    resolved.settings.stop_strings = *given.stop_strings;
    if (stored) overridden.push_back("--stop");
  } else if (stored) {
    resolved.settings.stop_strings = stored->stop_strings;
    std::vector<std::string> quoted;
    for (const auto& stop : stored->stop_strings) quoted.push_back(nlohmann::json(stop).dump());
    taken.push_back("stop " +
                    (quoted.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(quoted, " "))));
  } else {
    resolved.settings.stop_strings = *defaults.stop_strings;
  }
  if (!taken.empty()) {
    resolved.note = fmt::format(
        "prompting as the model was trained ({}): {}{}", kPromptSettingsFile, fmt::join(taken, ", "),
        overridden.empty() ? "; --template, --prefill, --stop override"
                           : fmt::format("; overridden by {}", fmt::join(overridden, ", ")));
  } else if (!overridden.empty()) {
    resolved.note = fmt::format("the model's own prompt settings ({}) are overridden by {}",
                                kPromptSettingsFile, fmt::join(overridden, ", "));
  }
  return resolved;
}

}  // namespace grpo
