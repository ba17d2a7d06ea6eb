// The arithmetic task: chained multi-digit addition, subtraction and multiplication ("What is 347 + 58 * 12 -
// 906?"), evaluated with the usual precedence. Difficulty: digits per number, numbers per expression,
// operators.
#pragma once

#include <optional>
#include <string>

#include "datasets/task_generator.h"

namespace grpo {

class ArithmeticTask : public TaskGenerator {
 public:
  std::string name() const override { return "arithmetic"; }
  std::string summary() const override;
  std::vector<DifficultyKnob> knobs() const override;
  std::map<std::string, std::string> presets() const override;
  std::string reward_name() const override { return "arithmetic"; }
  Example generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const override;

 protected:
  void validate(const Difficulty& difficulty) const override;
};

// An integer answer in canonical form: "1,043" -> "1043", " +12. " -> "12", "= 137" -> "137", "-007" -> "-7",
// "42.0" -> "42". nullopt when the text is not one integer.
std::optional<std::string> normalise_integer_answer(const std::string& text);

}  // namespace grpo
