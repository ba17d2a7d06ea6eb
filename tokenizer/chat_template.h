// A model's chat template (the Jinja text of tokenizer_config.json) rendered as transformers'
// apply_chat_template renders it: messages, add_generation_prompt, the special tokens, and extra variables
// (chat_template_kwargs such as enable_thinking=false). The Jinja subset is in jinja_parser.h /
// jinja_renderer.h.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer_config.h"

namespace grpo {

namespace jinja {
struct Template;
}

class ChatTemplate {
 public:
  // Parses the template; an unsupported construct or a syntax error is a grpo::Error naming `name` and the
  // line and column ("DIR/tokenizer_config.json chat template line 3, column 12: ...").
  ChatTemplate(const std::string& source, const std::string& name);

  // The model directory's default template (tokenizer_config.json or chat_template.jinja); an error saying so
  // when the directory has none.
  static ChatTemplate from_model_directory(const std::filesystem::path& directory);

  // Renders with `variables` (a JSON object); a template that raises is a grpo::Error with its message.
  std::string render(const nlohmann::ordered_json& variables) const;

  // What transformers passes: messages, add_generation_prompt, the config's special tokens that are set
  // (bos_token, eos_token, pad_token, unk_token), then `extra` (which wins).
  std::string apply(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                    const nlohmann::ordered_json& extra = nlohmann::ordered_json::object()) const;

  const std::string& name() const { return name_; }
  void set_special_tokens(const TokenizerConfig& config);

 private:
  std::shared_ptr<const jinja::Template> parsed_;
  std::string name_;
  nlohmann::ordered_json special_tokens_ = nlohmann::ordered_json::object();
};

// `--chat-template-kwargs enable_thinking=false,foo=3`: each `key=value`; the value is read as JSON when it
// is (false, 3, "text", [1]) and as a plain string otherwise; True/False/None as Python writes them also
// work.
nlohmann::ordered_json parse_chat_template_kwargs(const std::vector<std::string>& assignments);

// A conversation file: a JSON list of {"role", "content", ...} messages, or an object with a "messages" list.
nlohmann::ordered_json read_conversation(const std::filesystem::path& file);

}  // namespace grpo
