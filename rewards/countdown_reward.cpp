#include "rewards/countdown_reward.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "core/error.h"
#include "rewards/answer_extraction.h"
#include "rewards/countdown_expression.h"
#include "rewards/json_excerpt.h"
#include "rewards/spec_arguments.h"
#include "rewards/text_scan.h"

namespace grpo {

namespace {

std::optional<int64_t> parse_integer(std::string_view text) {
  text = text::trim(text);
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::string copy(text);
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(copy.c_str(), &end, 10);
  if (*end != '\0' || errno != 0) return std::nullopt;
  return value;
}

std::optional<int64_t> json_integer(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_string()) return parse_integer(value.get_ref<const std::string&>());
  return std::nullopt;
}

const nlohmann::json* first_field(const nlohmann::json& row, const std::vector<std::string>& fields) {
  if (!row.is_object()) return nullptr;
  for (const std::string& field : fields) {
    auto it = row.find(field);
    if (it != row.end()) return &*it;
  }
  return nullptr;
}

}  // namespace

CountdownProblem read_countdown_problem(const nlohmann::json& row, const CountdownRewardOptions& options) {
  CountdownProblem problem;
  const nlohmann::json* numbers = first_field(row, options.numbers_fields);
  if (!numbers) {
    fail("countdown reward: the row has none of the fields [{}] holding the numbers (row: {})",
         fmt::join(options.numbers_fields, ", "), json_excerpt(row, 120));
  }
  auto bad_numbers = [&] {
    fail("countdown reward: the numbers {} are not a list of integers or a string like \"30,100,93\"",
         json_excerpt(*numbers, 120));
  };
  if (numbers->is_array()) {
    for (const auto& item : *numbers) {
      auto value = json_integer(item);
      if (!value) bad_numbers();
      problem.numbers.push_back(*value);
    }
  } else if (numbers->is_string()) {
    const std::string& list = numbers->get_ref<const std::string&>();
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      auto value = parse_integer(std::string_view(list).substr(start, end - start));
      if (!value) bad_numbers();
      problem.numbers.push_back(*value);
      start = end + 1;
    }
  } else {
    bad_numbers();
  }
  if (problem.numbers.empty()) bad_numbers();
  const nlohmann::json* target = first_field(row, options.target_fields);
  if (!target) {
    fail("countdown reward: the row has none of the fields [{}] holding the target (row: {})",
         fmt::join(options.target_fields, ", "), json_excerpt(row, 120));
  }
  auto value = json_integer(*target);
  if (!value) fail("countdown reward: the target {} is not an integer", json_excerpt(*target, 60));
  problem.target = *value;
  return problem;
}

RewardResult score_countdown(const CountdownProblem& problem, const std::string& completion) {
  auto equation = extract_answer_tag(completion);
  if (!equation) equation = extract_last_boxed(completion);
  if (!equation) return {0.0, "no <answer> tag"};
  CountdownEvaluation evaluation = evaluate_countdown_equation(*equation);
  if (!evaluation.ok) return {0.0, evaluation.error};

  std::vector<int64_t> used = evaluation.numbers_used;
  std::vector<int64_t> given = problem.numbers;
  std::sort(used.begin(), used.end());
  std::sort(given.begin(), given.end());
  if (used != given)
    return {0.0,
            fmt::format("uses [{}] but the numbers are [{}]", fmt::join(used, ", "), fmt::join(given, ", "))};
  Rational target{problem.target, 1};
  if (!(evaluation.value == target)) {
    return {0.0, fmt::format("evaluates to {}, target {}", evaluation.value.to_string(), problem.target)};
  }
  if (evaluation.stated_result && *evaluation.stated_result != problem.target) {
    return {0.0, fmt::format("states = {}, target {}", *evaluation.stated_result, problem.target)};
  }
  return {1.0, "correct"};
}

std::vector<RewardResult> CountdownReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) {
    results.push_back(score_countdown(read_countdown_problem(input.row, options_), input.completion));
  }
  return results;
}

std::unique_ptr<RewardFunction> make_countdown_reward(const std::string& argument) {
  SpecArguments arguments("countdown", argument);
  CountdownRewardOptions options;
  if (auto field = arguments.find("numbers")) options.numbers_fields = {*field};
  if (auto field = arguments.find("target")) options.target_fields = {*field};
  arguments.check_all_used({"numbers", "target"});
  if (!arguments.words().empty()) fail("reward 'countdown': unknown option '{}'", arguments.words().front());
  return std::make_unique<CountdownReward>(std::move(options));
}

}  // namespace grpo
