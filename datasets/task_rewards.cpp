#include "datasets/task_rewards.h"

#include <fmt/format.h>

#include <mutex>

#include "core/error.h"
#include "datasets/arithmetic_task.h"
#include "datasets/box_stacking_task.h"
#include "datasets/text_snippet.h"
#include "rewards/answer_extraction.h"
#include "rewards/reward_registry.h"

namespace grpo {

namespace {

// The row's gold answer, or nullopt (with `why`) when this reward does not apply to the row.
std::optional<std::string> gold_for(const nlohmann::json& row, const std::string& task, std::string& why) {
  if (!row.is_object()) {
    why = "the row is not an object";
    return std::nullopt;
  }
  if (row.contains("task") && row["task"] != task) {
    why =
        fmt::format("a {} row, not {}", row["task"].is_string() ? row["task"].get<std::string>() : "?", task);
    return std::nullopt;
  }
  if (!row.contains("answer") || !row["answer"].is_string() || row["answer"].get<std::string>().empty()) {
    why = "the row has no gold 'answer'";
    return std::nullopt;
  }
  return row["answer"].get<std::string>();
}

template <typename Check>
std::vector<RewardResult> score_each(const std::vector<RewardInput>& batch, const std::string& task,
                                     Check check) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const auto& input : batch) {
    std::string why;
    auto gold = gold_for(input.row, task, why);
    if (!gold) {
      results.push_back({std::nullopt, why});
      continue;
    }
    auto answer = extract_answer_tag(input.completion);
    if (!answer) {
      results.push_back({0.0, "no <answer>...</answer>"});
      continue;
    }
    results.push_back(check(*answer, *gold));
  }
  return results;
}

}  // namespace

std::vector<RewardResult> BoxStackingReward::score(const std::vector<RewardInput>& batch) {
  return score_each(batch, "box_stacking",
                    [](const std::string& answer, const std::string& gold) -> RewardResult {
                      std::string given = normalise_stack_answer(answer);
                      std::string expected = normalise_stack_answer(gold);
                      if (given == expected) return {1.0, "correct"};
                      return {0.0, fmt::format("expected \"{}\", got {}", expected, snippet(given, 60))};
                    });
}

std::vector<RewardResult> ArithmeticReward::score(const std::vector<RewardInput>& batch) {
  return score_each(
      batch, "arithmetic", [](const std::string& answer, const std::string& gold) -> RewardResult {
        auto expected = normalise_integer_answer(gold);
        if (!expected)
          return {std::nullopt, fmt::format("the gold answer {} is not an integer", snippet(gold, 40))};
        auto given = normalise_integer_answer(answer);
        if (!given) return {0.0, fmt::format("not an integer: {}", snippet(answer, 40))};
        if (*given == *expected) return {1.0, "correct"};
        return {0.0, fmt::format("expected {}, got {}", *expected, *given)};
      });
}

void register_task_rewards() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto no_options = [](const std::string& name, const std::string& argument) {
      if (!argument.empty()) fail("reward '{}' takes no options, got '{}'", name, argument);
    };
    register_reward(
        "box_stacking",
        [no_options](const std::string& argument, const RewardOptions&) -> std::unique_ptr<RewardFunction> {
          no_options("box_stacking", argument);
          return std::make_unique<BoxStackingReward>();
        },
        "box-stacking task: the stack in <answer> (bottom to top; case, commas, 'and' ignored) equals the "
        "gold");
    register_reward(
        "arithmetic",
        [no_options](const std::string& argument, const RewardOptions&) -> std::unique_ptr<RewardFunction> {
          no_options("arithmetic", argument);
          return std::make_unique<ArithmeticReward>();
        },
        "arithmetic task: the integer in <answer> equals the gold");
  });
}

}  // namespace grpo
