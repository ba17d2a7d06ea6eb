// Difficulty settings of a generated task: named knobs ("boxes=3-5,ops=2-4,style=terse") or a preset name
// ("easy", "medium", "hard"), resolved against the knobs the task declares.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace grpo {

struct IntRange {
  int64_t low = 0;
  int64_t high = 0;
};

// A knob a task declares: its name, what it sets, and its default value ("3-5", "8", "english").
struct DifficultyKnob {
  std::string name;
  std::string description;
  std::string default_value;
};

class Difficulty {
 public:
  Difficulty() = default;
  explicit Difficulty(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  // "3-5" or "4" -> a range; throws naming the knob and value otherwise.
  IntRange range(const std::string& knob) const;
  // The knob's value as written.
  const std::string& text(const std::string& knob) const;
  bool has(const std::string& knob) const { return values_.count(knob) > 0; }
  // "boxes=3-5,colours=8,ops=1-4": every knob, sorted: equal texts mean equal settings.
  std::string canonical() const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// Resolves `spec` for a task: a preset name, or comma-separated knob=value pairs (a preset may come first:
// "hard,style=terse"); knobs not named keep their defaults. Throws listing the task's knobs and presets for
// an unknown one.
Difficulty resolve_difficulty(const std::string& spec, const std::string& task_name,
                              const std::vector<DifficultyKnob>& knobs,
                              const std::map<std::string, std::string>& presets);

}  // namespace grpo
