#include "datasets/task_generator.h"

#include <fmt/format.h>

#include <memory>

#include "core/error.h"
#include "datasets/arithmetic_task.h"
#include "datasets/box_stacking_task.h"
#include "datasets/countdown_task.h"
#include "datasets/task_rewards.h"

namespace grpo {

Difficulty TaskGenerator::difficulty(const std::string& spec) const {
  Difficulty resolved = resolve_difficulty(spec, name(), knobs(), presets());
  validate(resolved);
  return resolved;
}

Example TaskGenerator::make_generated_example(uint64_t seed, uint64_t index, const Difficulty& difficulty,
                                              std::string question, std::string answer) const {
  Example example;
  example.id = fmt::format("{}:{}:{}", name(), seed, index);
  example.question = std::move(question);
  example.answer = std::move(answer);
  example.row = {{"question", example.question},
                 {"answer", example.answer},
                 {"task", name()},
                 {"seed", seed},
                 {"index", index},
                 {"difficulty", difficulty.canonical()},
                 {"id", example.id}};
  return example;
}

void require_range_within(const Difficulty& difficulty, const std::string& task, const std::string& knob,
                          int64_t low, int64_t high) {
  IntRange range = difficulty.range(knob);
  if (range.low < low || range.high > high) {
    fail("task '{}': difficulty knob {}={} is out of bounds; it must lie within {}-{}", task, knob,
         difficulty.text(knob), low, high);
  }
}

namespace {

const std::vector<std::unique_ptr<TaskGenerator>>& registry() {
  static const std::vector<std::unique_ptr<TaskGenerator>> tasks = [] {
    register_task_rewards();  // whoever uses a task can then make its verifier reward by name
    std::vector<std::unique_ptr<TaskGenerator>> list;
    list.push_back(std::make_unique<BoxStackingTask>());
    list.push_back(std::make_unique<ArithmeticTask>());
    list.push_back(std::make_unique<CountdownTask>());
    return list;
  }();
  return tasks;
}

}  // namespace

std::vector<const TaskGenerator*> all_tasks() {
  std::vector<const TaskGenerator*> tasks;
  for (const auto& task : registry()) tasks.push_back(task.get());
  return tasks;
}

const TaskGenerator& find_task(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& task : registry()) {
    if (task->name() == name) return *task;
    names.push_back(task->name());
  }
  fail("unknown task '{}'; the built-in tasks are: {}", name, fmt::join(names, ", "));
}

}  // namespace grpo
