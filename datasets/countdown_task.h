// The countdown task: numbers and a target reachable with + - * / using each number exactly once; the solver
// proves every generated target reachable. Difficulty: how many numbers, their values, the target's range.
#pragma once

#include <string>

#include "datasets/task_generator.h"

namespace grpo {

class CountdownTask : public TaskGenerator {
 public:
  std::string name() const override { return "countdown"; }
  std::string summary() const override;
  std::vector<DifficultyKnob> knobs() const override;
  std::map<std::string, std::string> presets() const override;
  std::string reward_name() const override { return "countdown"; }
  Example generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const override;

 protected:
  void validate(const Difficulty& difficulty) const override;
};

}  // namespace grpo
