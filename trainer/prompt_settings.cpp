#include "trainer/prompt_settings.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"

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

std::optional<PromptSettings> read_prompt_settings(const fs::path& model_or_checkpoint) {
  for (const fs::path& file :
       {model_or_checkpoint / kPromptSettingsFile, model_or_checkpoint / "model" / kPromptSettingsFile}) {
    if (!fs::exists(file)) continue;
    try {
      return PromptSettings::from_json(nlohmann::json::parse(read_file(file)));
    } catch (const nlohmann::json::exception& e) {
      fail("'{}' is not a valid prompt settings file ({}); delete it to prompt the model with the defaults",
           file.string(), e.what());
    }
  }
  return std::nullopt;
}

ResolvedPrompt resolve_prompt_settings(const fs::path& model, const PromptRequest& given,
                                       const PromptRequest& defaults) {
  const std::optional<PromptSettings> stored = read_prompt_settings(model);
  ResolvedPrompt resolved;
  std::vector<std::string> taken, overridden;
  if (given.template_name) {
    resolved.settings.prompt_template = load_prompt_template(*given.template_name);
    if (stored) overridden.push_back("--template");
  } else if (stored) {
    resolved.settings.prompt_template = stored->prompt_template;
    taken.push_back("template " + stored->prompt_template.name);
  } else {
    resolved.settings.prompt_template = load_prompt_template(*defaults.template_name);
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
