// How a model was prompted in training: the template (name and text; for --template chat its system prompt,
// chat_template_kwargs and assistant prefix too), the prefill forced at the start of every completion, and
// the stop strings. A checkpoint carries them in model/prompt.json so that `grpo eval` and `grpo sample`
// prompt it the same way unless told otherwise.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "datasets/prompt_template.h"

namespace grpo {

inline constexpr const char* kPromptSettingsFile = "prompt.json";

struct PromptSettings {
  PromptTemplate prompt_template;
  std::string prefill;
  std::vector<std::string> stop_strings;

  nlohmann::json to_json() const;  // {"template": {"name", "text"[, "chat"]}, "prefill", "stop_strings"}
  static PromptSettings from_json(const nlohmann::json& value);
};

// The settings a model directory carries (DIR/prompt.json), or those of DIR/model when DIR is a checkpoint;
// none when neither holds the file. Throws naming the file when it is malformed.
std::optional<PromptSettings> read_prompt_settings(const std::filesystem::path& model_or_checkpoint);

// What a command was told about prompting (unset: not given on the command line or in its config).
struct PromptRequest {
  std::optional<std::string> template_name;  // a built-in name or a file
  std::optional<std::string> prefill;
  std::optional<std::vector<std::string>> stop_strings;
  // --template chat only: --system-prompt, --chat-template-kwargs (key=value), --assistant-prefix as typed
  std::optional<std::string> system_prompt = std::nullopt;
  std::optional<std::vector<std::string>> chat_template_kwargs = std::nullopt;
  std::optional<std::string> assistant_prefix = std::nullopt;
};

struct ResolvedPrompt {
  PromptSettings settings;
  std::string note;  // one line naming what was taken from the model's stored settings; "" when nothing
};

// Each setting as given, else as stored with the model (a checkpoint of `grpo train`), else from `defaults`
// (template, prefill and stop set). A chat template is rendered with the chat template of the directory that
// holds prompt.json (else `model`), each chat option as given, else as stored, else none; chat options given
// for another template are an error.
ResolvedPrompt resolve_prompt_settings(const std::filesystem::path& model, const PromptRequest& given,
                                       const PromptRequest& defaults);

}  // namespace grpo
