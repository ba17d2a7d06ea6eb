// TaskGenerator: a built-in reasoning task that writes verifiable problems of controlled difficulty (box
// stacking, arithmetic, countdown), and the registry that finds one by name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "datasets/difficulty.h"
#include "datasets/example.h"

namespace grpo {

class TaskGenerator {
 public:
  virtual ~TaskGenerator() = default;

  virtual std::string name() const = 0;     // "box_stacking"
  virtual std::string summary() const = 0;  // one line for `grpo data tasks`
  virtual std::vector<DifficultyKnob> knobs() const = 0;
  virtual std::map<std::string, std::string> presets() const = 0;  // "easy" -> "boxes=3,ops=1-2", ...
  // The reward (in the rewards registry) that checks a completion against this task's rows.
  virtual std::string reward_name() const = 0;

  // Resolves a difficulty spec (see resolve_difficulty) and checks the values; throws with what is allowed.
  Difficulty difficulty(const std::string& spec) const;

  // Problem `index` of the stream `seed`: the same arguments give the same problem on every machine. The row
  // holds "question", "answer", "task", "seed", "index", "difficulty" and the task's metadata.
  virtual Example generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const = 0;

 protected:
  // Called by difficulty(): throws when a knob's value is out of the task's bounds.
  virtual void validate(const Difficulty& difficulty) const = 0;
  // The fields every generated row shares, and the Example's id ("box_stacking:7:42").
  Example make_generated_example(uint64_t seed, uint64_t index, const Difficulty& difficulty,
                                 std::string question, std::string answer) const;
};

// The built-in tasks by name; throws listing the known names for an unknown one.
const TaskGenerator& find_task(const std::string& name);
std::vector<const TaskGenerator*> all_tasks();

// Checks that a knob's range lies in [low, high]; throws naming the task and knob otherwise.
void require_range_within(const Difficulty& difficulty, const std::string& task, const std::string& knob,
                          int64_t low, int64_t high);

}  // namespace grpo
