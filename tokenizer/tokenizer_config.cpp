#include "tokenizer/tokenizer_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"

namespace grpo {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json parse_object(const std::string& text, const std::string& source) {
  json object;
  try {
    object = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    fail("{}: not valid JSON ({}); fix or re-download the file", source, e.what());
  }
  if (!object.is_object()) fail("{}: must hold a JSON object, got {}", source, object.type_name());
  return object;
}

// A special token: a plain string, an AddedToken object {"__type": "AddedToken", "content": ...}, or null.
std::optional<std::string> token_text(const json& object, const std::string& source, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto content = it->find("content");
    if (content != it->end() && content->is_string()) return content->get<std::string>();
  }
  fail("{}: \"{}\" must be a string, an AddedToken object with a \"content\" string, or null; got {}", source,
       key, it->dump());
}

std::optional<bool> optional_bool(const json& object, const std::string& source, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) fail("{}: \"{}\" must be true or false, got {}", source, key, it->dump());
  return it->get<bool>();
}

std::optional<int64_t> optional_id(const json& object, const std::string& source, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    fail("{}: \"{}\" must be a token id (an integer >= 0) or null, got {}", source, key, it->dump());
  return it->get<int64_t>();
}

std::vector<NamedChatTemplate> chat_templates(const json& object, const std::string& source) {
  auto it = object.find("chat_template");
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return {{"default", it->get<std::string>()}};
  std::vector<NamedChatTemplate> templates;
  if (it->is_array()) {
    for (const auto& entry : *it) {
      auto name = entry.is_object() ? entry.find("name") : entry.end();
      auto text = entry.is_object() ? entry.find("template") : entry.end();
      if (!entry.is_object() || name == entry.end() || !name->is_string() || text == entry.end() ||
          !text->is_string()) {
        fail(
            "{}: each entry of the \"chat_template\" list must be {{\"name\": string, \"template\": "
            "string}}, "
            "got {}",
            source, entry.dump().substr(0, 120));
      }
      templates.push_back({name->get<std::string>(), text->get<std::string>()});
    }
    return templates;
  }
  fail("{}: \"chat_template\" must be a string or a list of {{\"name\", \"template\"}} objects, got {}",
       source, it->type_name());
}

std::optional<int64_t> max_length(const json& object, const std::string& source) {
  auto it = object.find("model_max_length");
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer() && it->get<int64_t>() > 0) return it->get<int64_t>();
  // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit"; it may arrive as a float or an unsigned.
  if (it->is_number() && it->get<double>() >= 1e18) return std::nullopt;
  fail("{}: \"model_max_length\" must be a positive integer, got {}", source, it->dump());
}

}  // namespace

const std::string* TokenizerConfig::chat_template(const std::string& name) const {
  for (const auto& entry : chat_templates)
    if (entry.name == name) return &entry.source;
  return nullptr;
}

TokenizerConfig parse_tokenizer_config(const std::string& json_text, const std::string& source) {
  json object = parse_object(json_text, source);
  TokenizerConfig config;
  config.bos_token = token_text(object, source, "bos_token");
  config.eos_token = token_text(object, source, "eos_token");
  config.pad_token = token_text(object, source, "pad_token");
  config.unk_token = token_text(object, source, "unk_token");
  config.add_bos_token = optional_bool(object, source, "add_bos_token");
  config.add_eos_token = optional_bool(object, source, "add_eos_token");
  if (auto it = object.find("additional_special_tokens"); it != object.end() && !it->is_null()) {
    if (!it->is_array())
      fail("{}: \"additional_special_tokens\" must be a list, got {}", source, it->type_name());
    for (size_t i = 0; i < it->size(); ++i) {
      json entry = json::object({{"token", (*it)[i]}});
      auto text =
          token_text(entry, source + ": additional_special_tokens[" + std::to_string(i) + "]", "token");
      if (text) config.additional_special_tokens.push_back(*text);
    }
  }
  config.chat_templates = chat_templates(object, source);
  config.model_max_length = max_length(object, source);
  return config;
}

GenerationConfig parse_generation_config(const std::string& json_text, const std::string& source) {
  json object = parse_object(json_text, source);
  GenerationConfig config;
  if (auto it = object.find("eos_token_id"); it != object.end() && !it->is_null()) {
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        json entry = json::object({{"id", (*it)[i]}});
        auto id = optional_id(entry, source + ": eos_token_id[" + std::to_string(i) + "]", "id");
        if (id) config.eos_token_ids.push_back(*id);
      }
    } else {
      config.eos_token_ids.push_back(*optional_id(object, source, "eos_token_id"));
    }
  }
  config.bos_token_id = optional_id(object, source, "bos_token_id");
  config.pad_token_id = optional_id(object, source, "pad_token_id");
  return config;
}

TokenizerConfig read_tokenizer_config(const fs::path& file) {
  return parse_tokenizer_config(read_file(file), file.string());
}

GenerationConfig read_generation_config(const fs::path& file) {
  return parse_generation_config(read_file(file), file.string());
}

std::optional<TokenizerConfig> find_tokenizer_config(const fs::path& directory) {
  fs::path file = directory / "tokenizer_config.json";
  if (!fs::is_regular_file(file)) return std::nullopt;
  TokenizerConfig config = read_tokenizer_config(file);
  fs::path jinja = directory / "chat_template.jinja";
  if (fs::is_regular_file(jinja)) {
    std::string source = read_file(jinja);
    bool replaced = false;
    for (auto& entry : config.chat_templates) {
      if (entry.name == "default") entry.source = source, replaced = true;
    }
    if (!replaced) config.chat_templates.insert(config.chat_templates.begin(), {"default", source});
  }
  return config;
}

std::optional<GenerationConfig> find_generation_config(const fs::path& directory) {
  fs::path file = directory / "generation_config.json";
  if (!fs::is_regular_file(file)) return std::nullopt;
  return read_generation_config(file);
}

}  // namespace grpo
