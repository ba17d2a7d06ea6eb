// What a Hugging Face model directory says about its tokenizer besides the vocabulary: tokenizer_config.json
// (special tokens, add_bos_token / add_eos_token, the chat template) and generation_config.json (the ids that
// stop generation). Field meanings follow transformers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace grpo {

struct NamedChatTemplate {
  std::string name;    // "default" for a template given as a plain string
  std::string source;  // the Jinja text
};

struct TokenizerConfig {
  // Special tokens by their text (a plain string or an AddedToken object's "content"); nullopt when
  // null/absent.
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  // nullopt when the file does not say: the tokenizer's own post-processor decides then. When present the
  // config wins over tokenizer.json, as in transformers.
  std::optional<bool> add_bos_token, add_eos_token;
  std::vector<std::string> additional_special_tokens;
  std::vector<NamedChatTemplate> chat_templates;  // empty when the model has none
  std::optional<int64_t> model_max_length;        // nullopt when absent or "unbounded" (transformers' 1e30)

  // The template with that name (transformers uses "default" unless asked otherwise); nullptr when absent.
  const std::string* chat_template(const std::string& name = "default") const;
};

struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;  // every id that stops generation (an int or a list in the file)
  std::optional<int64_t> bos_token_id, pad_token_id;
};

// Parse the text of the file; `source` names it in errors ("DIR/tokenizer_config.json").
TokenizerConfig parse_tokenizer_config(const std::string& json_text, const std::string& source);
GenerationConfig parse_generation_config(const std::string& json_text, const std::string& source);

// Read the files; errors name the path.
TokenizerConfig read_tokenizer_config(const std::filesystem::path& file);
GenerationConfig read_generation_config(const std::filesystem::path& file);

// From a model directory: nullopt when the file is absent. A `chat_template.jinja` beside
// tokenizer_config.json (what recent transformers saves) replaces the config's default template, as
// transformers reads it.
std::optional<TokenizerConfig> find_tokenizer_config(const std::filesystem::path& directory);
std::optional<GenerationConfig> find_generation_config(const std::filesystem::path& directory);

}  // namespace grpo
