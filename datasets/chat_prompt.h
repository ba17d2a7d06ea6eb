// `--template chat`: prompts made with the model's own chat template (tokenizer_config.json), as a chat model
// is trained and served: [system prompt,] the question as the user message, add_generation_prompt, template
// variables (enable_thinking=false), then an optional assistant prefix (e.g. "<think>\n") that ends the
// prompt. The rewards see the completion only.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "datasets/prompt_template.h"

namespace grpo {

inline constexpr const char* kChatTemplateName = "chat";

// What --template chat is told besides the model. Stored with the template (PromptTemplate::chat_options) so
// that eval and sample of a checkpoint rebuild the same prompt.
struct ChatPromptOptions {
  std::string system_prompt;                                                  // "": no system message
  nlohmann::ordered_json template_kwargs = nlohmann::ordered_json::object();  // {"enable_thinking": false}
  std::string assistant_prefix;                                               // e.g. "<think>\n"

  bool empty() const;
  nlohmann::json to_json() const;  // {"system_prompt", "chat_template_kwargs", "assistant_prefix"}
  static ChatPromptOptions from_json(const nlohmann::json& value);
};

// From command-line text: each kwarg is key=value (parse_chat_template_kwargs); "\n" typed in the assistant
// prefix ('<think>\n') is a line break.
ChatPromptOptions chat_prompt_options(const std::string& system_prompt,
                                      const std::vector<std::string>& template_kwargs,
                                      const std::string& assistant_prefix);

// A template named "chat" that renders each question with the chat template of `model_directory`; its text
// is a preview with {question} where the question goes. Throws when the model has no chat template, or when
// the template fails on a sample question (a bad template stops a run before it starts).
PromptTemplate chat_prompt_template(const std::filesystem::path& model_directory,
                                    const ChatPromptOptions& options);

// Throws when chat options are set for a template other than chat (they apply to --template chat only).
void check_chat_options_apply(const std::string& template_name, const ChatPromptOptions& options);

// `--template NAME` of train, eval and sample: "chat" -> chat_prompt_template(model_directory, options);
// anything else -> load_prompt_template(NAME), and chat options are then an error (they apply to chat only).
PromptTemplate load_prompt_template(const std::string& name_or_path,
                                    const std::filesystem::path& model_directory,
                                    const ChatPromptOptions& options);

}  // namespace grpo
