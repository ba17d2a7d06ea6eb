#include "tokenizer/chat_template.h"

#include "core/error.h"
#include "core/files.h"
#include "tokenizer/jinja_parser.h"
#include "tokenizer/jinja_renderer.h"

namespace grpo {

using nlohmann::ordered_json;

ChatTemplate::ChatTemplate(const std::string& source, const std::string& name)
    : parsed_(jinja::parse_template(source, name)), name_(name) {}

ChatTemplate ChatTemplate::from_model_directory(const std::filesystem::path& directory) {
  auto config = find_tokenizer_config(directory);
  if (!config) {
    fail(
        "{}: no tokenizer_config.json, so no chat template; use a model directory from the Hugging Face Hub "
        "or another --template",
        directory.string());
  }
  const std::string* source = config->chat_template();
  if (!source) {
    fail("{}: tokenizer_config.json has no chat template (a base model?); use another --template",
         (directory / "tokenizer_config.json").string());
  }
  bool from_jinja_file = std::filesystem::is_regular_file(directory / "chat_template.jinja");
  ChatTemplate chat_template(
      *source, (directory / (from_jinja_file ? "chat_template.jinja" : "tokenizer_config.json")).string() +
                   " chat template");
  chat_template.set_special_tokens(*config);
  return chat_template;
}

void ChatTemplate::set_special_tokens(const TokenizerConfig& config) {
  special_tokens_ = ordered_json::object();
  if (config.bos_token) special_tokens_["bos_token"] = *config.bos_token;
  if (config.eos_token) special_tokens_["eos_token"] = *config.eos_token;
  if (config.unk_token) special_tokens_["unk_token"] = *config.unk_token;
  if (config.pad_token) special_tokens_["pad_token"] = *config.pad_token;
  if (!config.additional_special_tokens.empty())
    special_tokens_["additional_special_tokens"] = config.additional_special_tokens;
}

std::string ChatTemplate::render(const ordered_json& variables) const {
  return jinja::render(*parsed_, variables);
}

std::string ChatTemplate::apply(const ordered_json& messages, bool add_generation_prompt,
                                const ordered_json& extra) const {
  ordered_json variables = ordered_json::object();
  variables["messages"] = messages;
  variables["add_generation_prompt"] = add_generation_prompt;
  for (auto it = special_tokens_.begin(); it != special_tokens_.end(); ++it) variables[it.key()] = it.value();
  for (auto it = extra.begin(); it != extra.end(); ++it) variables[it.key()] = it.value();
  return render(variables);
}

ordered_json parse_chat_template_kwargs(const std::vector<std::string>& assignments) {
  ordered_json kwargs = ordered_json::object();
  for (const auto& assignment : assignments) {
    size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      fail("--chat-template-kwargs: '{}' is not key=value (example: enable_thinking=false)", assignment);
    }
    std::string key = assignment.substr(0, equals), text = assignment.substr(equals + 1);
    if (text == "True" || text == "False") {
      kwargs[key] = text == "True";
    } else if (text == "None") {
      kwargs[key] = nullptr;
    } else {
      ordered_json value = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
      kwargs[key] = value.is_discarded() ? ordered_json(text) : value;
    }
  }
  return kwargs;
}

ordered_json read_conversation(const std::filesystem::path& file) {
  ordered_json document = ordered_json::parse(read_file(file), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded())
    fail("{}: not valid JSON; expected a list of {{\"role\", \"content\"}} messages", file.string());
  ordered_json messages =
      document.is_object() && document.contains("messages") ? document["messages"] : document;
  if (!messages.is_array()) {
    fail("{}: expected a list of {{\"role\", \"content\"}} messages (or {{\"messages\": [...]}}), got {}",
         file.string(), messages.type_name());
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      fail("{}: message {} must be an object with a \"role\" string, got {}", file.string(), i,
           message.dump().substr(0, 80));
    }
  }
  return messages;
}

}  // namespace grpo
