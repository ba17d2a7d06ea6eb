#include "tokenizer/huggingface/component_json.h"

#include "core/error.h"
#include "tokenizer/huggingface/regex.h"

namespace grpo::hf {

std::string component_type(const nlohmann::json& spec, const ComponentSource& source) {
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string()) {
    fail(
        "{}: a {} is not an object with a \"type\" string: {}; the file is malformed or not a Hugging Face "
        "tokenizer.json",
        source.file, source.kind, spec.dump().substr(0, 200));
  }
  return spec["type"].get<std::string>();
}

const nlohmann::json& required_field(const nlohmann::json& spec, const std::string& name,
                                     const ComponentSource& source) {
  if (!spec.contains(name) || spec[name].is_null()) {
    fail("{}: the {} of type {} has no \"{}\"; the file is malformed", source.file, source.kind,
         spec.value("type", std::string("?")), name);
  }
  return spec[name];
}

std::string pattern_regex(const nlohmann::json& spec, const ComponentSource& source) {
  const nlohmann::json& pattern = required_field(spec, "pattern", source);
  if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
    return escape_regex(pattern["String"].get<std::string>());
  }
  if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
    return pattern["Regex"].get<std::string>();
  }
  fail(
      "{}: the {} of type {} has a \"pattern\" that is neither {{\"String\": ...}} nor {{\"Regex\": ...}}: "
      "{}",
      source.file, source.kind, spec.value("type", std::string("?")), pattern.dump().substr(0, 200));
}

void unsupported_component(const std::string& type, const ComponentSource& source,
                           const std::vector<std::string>& supported) {
  std::string list;
  for (const auto& name : supported) list += (list.empty() ? "" : ", ") + name;
  fail("{}: {} type '{}' is not supported by grpo (supported: {})", source.file, source.kind, type, list);
}

}  // namespace grpo::hf
