#include "rewards/spec_arguments.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace grpo {

SpecArguments::SpecArguments(std::string reward, const std::string& argument) : reward_(std::move(reward)) {
  size_t start = 0;
  while (start <= argument.size() && !argument.empty()) {
    size_t end = argument.find(':', start);
    if (end == std::string::npos) end = argument.size();
    std::string part = argument.substr(start, end - start);
    if (!part.empty()) {
      size_t equals = part.find('=');
      if (equals == std::string::npos) {
        words_.push_back(part);
      } else {
        std::string key = part.substr(0, equals);
        if (values_.count(key)) fail("reward '{}': option '{}' is given twice", reward_, key);
        values_[key] = part.substr(equals + 1);
      }
    }
    start = end + 1;
  }
}

std::optional<std::string> SpecArguments::find(const std::string& key) {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  used_.insert(key);
  return it->second;
}

std::string SpecArguments::get_string(const std::string& key, const std::string& fallback) {
  auto value = find(key);
  return value ? *value : fallback;
}

double SpecArguments::get_double(const std::string& key, double fallback) {
  auto value = find(key);
  if (!value) return fallback;
  errno = 0;
  char* end = nullptr;
  double parsed = std::strtod(value->c_str(), &end);
  if (value->empty() || *end != '\0' || errno != 0 || !std::isfinite(parsed)) {
    fail("reward '{}': option {}={} is not a number; write e.g. {}=0.5", reward_, key, *value, key);
  }
  return parsed;
}

int64_t SpecArguments::get_int(const std::string& key, int64_t fallback) {
  auto value = find(key);
  if (!value) return fallback;
  errno = 0;
  char* end = nullptr;
  long long parsed = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || errno != 0) {
    fail("reward '{}': option {}={} is not an integer; write e.g. {}=4", reward_, key, *value, key);
  }
  return parsed;
}

void SpecArguments::check_all_used(const std::vector<std::string>& accepted) const {
  for (const auto& [key, value] : values_) {
    if (!used_.count(key)) {
      fail("reward '{}': unknown option '{}={}'; it accepts: {}", reward_, key, value,
           accepted.empty() ? std::string("no options") : fmt::format("{}", fmt::join(accepted, ", ")));
    }
  }
}

}  // namespace grpo
