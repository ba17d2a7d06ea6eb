#include "datasets/difficulty.h"

#include <fmt/format.h>

#include <cctype>

#include "core/error.h"
#include "datasets/gold_answer.h"

namespace grpo {

namespace {

bool parse_count(const std::string& text, int64_t& value) {
  if (text.empty() || text.size() > 12) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  value = std::stoll(text);
  return true;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    pieces.push_back(trim(text.substr(start, end == std::string::npos ? std::string::npos : end - start)));
    if (end == std::string::npos) return pieces;
    start = end + 1;
  }
}

}  // namespace

IntRange Difficulty::range(const std::string& knob) const {
  const std::string& value = text(knob);
  IntRange range;
  size_t dash = value.find('-');
  bool ok = dash == std::string::npos ? parse_count(value, range.low) && (range.high = range.low, true)
                                      : parse_count(value.substr(0, dash), range.low) &&
                                            parse_count(value.substr(dash + 1), range.high);
  if (!ok) fail("difficulty knob '{}' = '{}': expected a whole number or a range such as 3-5", knob, value);
  if (range.low > range.high)
    fail("difficulty knob '{}' = '{}': the range is empty (low above high)", knob, value);
  return range;
}

const std::string& Difficulty::text(const std::string& knob) const {
  auto found = values_.find(knob);
  if (found == values_.end()) fail("difficulty has no knob '{}' (it has: {})", knob, canonical());
  return found->second;
}

std::string Difficulty::canonical() const {
  std::vector<std::string> pairs;
  for (const auto& [knob, value] : values_) pairs.push_back(knob + "=" + value);
  return fmt::format("{}", fmt::join(pairs, ","));
}

Difficulty resolve_difficulty(const std::string& spec, const std::string& task_name,
                              const std::vector<DifficultyKnob>& knobs,
                              const std::map<std::string, std::string>& presets) {
  std::map<std::string, std::string> values;
  for (const auto& knob : knobs) values[knob.name] = knob.default_value;
  auto known_knobs = [&] {
    std::vector<std::string> names;
    for (const auto& knob : knobs) names.push_back(knob.name);
    return fmt::format("{}", fmt::join(names, ", "));
  };
  auto known_presets = [&] {
    std::vector<std::string> names;
    for (const auto& [name, value] : presets) names.push_back(name);
    return fmt::format("{}", fmt::join(names, ", "));
  };
  auto set_knob = [&](const std::string& pair, bool from_preset) {
    size_t equals = pair.find('=');
    std::string name = trim(pair.substr(0, equals));
    std::string value = trim(pair.substr(equals + 1));
    if (values.count(name) == 0) {
      fail("task '{}' has no difficulty knob '{}'; its knobs: {}{}", task_name, name, known_knobs(),
           from_preset ? " (in a preset)" : "");
    }
    if (value.empty())
      fail("difficulty knob '{}' of task '{}' has no value; write {}=VALUE", name, task_name, name);
    values[name] = value;
  };

  std::string trimmed = trim(spec);
  if (trimmed.empty() || trimmed == "default") return Difficulty(values);
  std::vector<std::string> pieces = split(trimmed, ',');
  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string& piece = pieces[i];
    if (piece.empty()) continue;
    if (piece.find('=') != std::string::npos) {
      set_knob(piece, false);
      continue;
    }
    auto preset = presets.find(piece);
    if (preset == presets.end() || i != 0) {
      fail(
          "'{}' in difficulty '{}' of task '{}' is neither a preset (first only: {}) nor knob=value (knobs: "
          "{})",
          piece, spec, task_name, known_presets(), known_knobs());
    }
    for (const auto& pair : split(preset->second, ',')) set_knob(pair, true);
  }
  return Difficulty(values);
}

}  // namespace grpo
