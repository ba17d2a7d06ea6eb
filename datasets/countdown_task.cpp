#include "datasets/countdown_task.h"

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/countdown_rules.h"
#include "datasets/seeded_random.h"

namespace grpo {

namespace {
constexpr int kTargetsPerDraw = 20;  // targets tried for one draw of numbers before drawing new numbers
constexpr int kMaxDraws = 1000;
// Search steps allowed per target: a target not proved reachable within them is passed over (a few unlucky
// ones are reachable, but a bounded search keeps generation fast).
constexpr size_t kSolverSteps = 5000;
}  // namespace

std::string CountdownTask::summary() const {
  return "reach a target from given numbers with + - * /, each number used exactly once; answer: an equation "
         "(the row's gold is the target)";
}

std::vector<DifficultyKnob> CountdownTask::knobs() const {
  return {{"numbers", "how many numbers (a range, 2-6)", "3-4"},
          {"values", "the range the numbers are drawn from", "1-100"},
          {"target", "the range the target is drawn from", "1-100"}};
}

std::map<std::string, std::string> CountdownTask::presets() const {
  return {{"easy", "numbers=3,values=1-20,target=1-50"},
          {"medium", "numbers=3-4,values=1-100,target=1-100"},
          {"hard", "numbers=4-5,values=1-100,target=100-999"}};
}

void CountdownTask::validate(const Difficulty& difficulty) const {
  require_range_within(difficulty, name(), "numbers", 2, 6);
  require_range_within(difficulty, name(), "values", 1, 10000);
  require_range_within(difficulty, name(), "target", 1, 1000000);
}

Example CountdownTask::generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const {
  SeededRandom random = SeededRandom::for_item(seed, name(), index);
  IntRange count = difficulty.range("numbers");
  IntRange values = difficulty.range("values");
  IntRange targets = difficulty.range("target");
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    std::vector<int64_t> numbers(static_cast<size_t>(random.uniform(count.low, count.high)));
    for (auto& number : numbers) number = random.uniform(values.low, values.high);
    for (int attempt = 0; attempt < kTargetsPerDraw; ++attempt) {
      int64_t target = random.uniform(targets.low, targets.high);
      auto solution = solve_countdown(numbers, target, kSolverSteps);
      if (!solution) continue;
      std::string reason;
      if (!check_countdown_equation(*solution, numbers, target, &reason)) {
        fail("countdown: internal error: the solver's equation {} for {} is wrong: {}", *solution, target,
             reason);
      }
      Example example = make_generated_example(seed, index, difficulty, countdown_question(numbers, target),
                                               std::to_string(target));
      example.row["numbers"] = numbers;
      example.row["target"] = target;
      example.row["solution"] = *solution;
      return example;
    }
  }
  fail("countdown at difficulty {}: no reachable target found after {} draws; widen target= or values=",
       difficulty.canonical(), kMaxDraws);
}

}  // namespace grpo
