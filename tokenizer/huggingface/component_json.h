// Reading tokenizer.json's component objects with errors that name the file, the component and the field.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace grpo::hf {

// Where a component comes from, for error messages: the file, and the component kind ("normalizer", ...).
struct ComponentSource {
  std::string file;
  std::string kind;
};

// The "type" field of a component object.
std::string component_type(const nlohmann::json& spec, const ComponentSource& source);
// A required field (fails naming it when absent); optional fields use json::value().
const nlohmann::json& required_field(const nlohmann::json& spec, const std::string& name,
                                     const ComponentSource& source);
// The `pattern` of Split/Replace ({"String": s} or {"Regex": r}) as a regex pattern.
std::string pattern_regex(const nlohmann::json& spec, const ComponentSource& source);
// Fails: `type` is not one grpo implements; lists those it does.
[[noreturn]] void unsupported_component(const std::string& type, const ComponentSource& source,
                                        const std::vector<std::string>& supported);

}  // namespace grpo::hf
