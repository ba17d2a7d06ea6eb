// A short printable excerpt of a JSON value for error messages (never throws, whatever bytes its strings
// hold).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace grpo {

std::string json_excerpt(const nlohmann::json& value, size_t max_bytes = 120);

}  // namespace grpo
