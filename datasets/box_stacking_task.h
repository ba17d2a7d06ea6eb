// The box-stacking task: a stack of coloured boxes, a few operations on it, "what is the stack now, bottom to
// top?". Difficulty: boxes, operations, colours, operation kinds, wording. Rows carry the initial stack, the
// operations and every intermediate stack, so that a demo can check whether a <think> writes them down.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "datasets/task_generator.h"

namespace grpo {

class BoxStackingTask : public TaskGenerator {
 public:
  std::string name() const override { return "box_stacking"; }
  std::string summary() const override;
  std::vector<DifficultyKnob> knobs() const override;
  std::map<std::string, std::string> presets() const override;
  std::string reward_name() const override { return "box_stacking"; }
  Example generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const override;

 protected:
  void validate(const Difficulty& difficulty) const override;
};

// An answer as the verifier reads it: lowercase, commas, semicolons and a final full stop turned into spaces,
// the word "and" dropped, whitespace collapsed. "Red, Blue and  Green." -> "red blue green".
std::string normalise_stack_answer(const std::string& text);

// How many of a row's intermediate stacks (after each operation but the last) appear in `text` as a run of
// colour words in order, bottom to top (commas, "and" and case ignored).
struct IntermediateStacks {
  size_t written = 0;
  size_t total = 0;
};
IntermediateStacks intermediate_stacks_written(const std::string& text, const nlohmann::json& row);

}  // namespace grpo
