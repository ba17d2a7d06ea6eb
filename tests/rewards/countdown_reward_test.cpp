// The countdown reward and its safe equation evaluator; every solvable row of the shipped Countdown file.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <numeric>
#include <optional>
#include <string>

#include "core/error.h"
#include "rewards/countdown_expression.h"
#include "rewards/countdown_reward.h"
#include "test_support.h"

namespace grpo {
namespace {

RewardResult score(const std::string& answer, const nlohmann::json& row) {
  CountdownReward reward;
  RewardInput input;
  input.completion = "<think>try things</think><answer>" + answer + "</answer>";
  input.row = row;
  return reward.score({input})[0];
}

const nlohmann::json kRow = {{"numbers", {30, 100, 93}}, {"target", 23}};

TEST(CountdownReward, Correct) {
  EXPECT_EQ(score("30 - 100 + 93", kRow).score, 1.0);
  EXPECT_EQ(score("93 + 30 - 100", kRow).score, 1.0);
  EXPECT_EQ(score("30 - (100 - 93)", kRow).score, 1.0);
  EXPECT_EQ(score("30 - (100 - 93) = 23", kRow).score, 1.0);
  EXPECT_EQ(score("$30 - (100 \xE2\x88\x92 93)$", kRow).score, 1.0);
  EXPECT_EQ(score("30 - (100 - 93)", kRow).reason, "correct");
}

TEST(CountdownReward, WrongResult) {
  RewardResult result = score("100 - 93 - 30", kRow);
  EXPECT_EQ(result.score, 0.0);
  EXPECT_EQ(result.reason, "evaluates to -23, target 23");
  EXPECT_EQ(score("30 - (100 - 93) = 24", kRow).score, 0.0);  // states a different result
  EXPECT_EQ(score("30 * 100 / 93", kRow).reason, "evaluates to 1000/31, target 23");
}

TEST(CountdownReward, NumberReusedOrMissing) {
  RewardResult reused = score("30 - (100 - 93) + 30 - 30", kRow);
  EXPECT_EQ(reused.score, 0.0);
  EXPECT_EQ(reused.reason, "uses [30, 30, 30, 93, 100] but the numbers are [30, 93, 100]");
  EXPECT_EQ(score("100 - 77", kRow).score, 0.0);  // 77 is not a given number, 30 and 93 unused
  EXPECT_EQ(score("93 - 70", kRow).score, 0.0);
  EXPECT_EQ(score("(100 - 93) + 30 + 0", kRow).score, 0.0);  // an extra number
}

TEST(CountdownReward, DivisionExactnessAndDivisionByZero) {
  nlohmann::json row = {{"numbers", {7, 2, 2}}, {"target", 7}};
  EXPECT_EQ(score("7 / 2 * 2", row).score, 1.0);  // exact rationals: 7/2*2 is 7
  nlohmann::json zero = {{"numbers", {5, 5, 3}}, {"target", 3}};
  RewardResult result = score("3 / (5 - 5)", zero);
  EXPECT_EQ(result.score, 0.0);
  EXPECT_EQ(result.reason, "division by zero");
}

TEST(CountdownReward, Garbage) {
  EXPECT_EQ(score("", kRow).reason, "empty equation");
  EXPECT_EQ(score("import os; os.system('rm -rf /')", kRow).score, 0.0);
  EXPECT_EQ(score("30 - (100 - 93", kRow).reason, "unbalanced parentheses");
  EXPECT_EQ(score("-30 + 100 - 93 + 46", kRow).score, 0.0);
  EXPECT_EQ(score("2**5", kRow).score, 0.0);
  EXPECT_EQ(score(std::string(200, '(') + "30" + std::string(200, ')'), kRow).reason,
            "too many nested parentheses");
  EXPECT_EQ(score("99999999999999999999 - 1", kRow).score, 0.0);
  EXPECT_EQ(score("999999999999999999 * 999999999999999999", kRow).reason, "numbers too large");
  CountdownReward reward;
  RewardInput no_tag;
  no_tag.completion = "30 - (100 - 93)";
  no_tag.row = kRow;
  EXPECT_EQ(reward.score({no_tag})[0].reason, "no <answer> tag");
}

TEST(CountdownReward, ReadsTheCountdownFileFormatAndChecksRows) {
  nlohmann::json file_row = {{"input", "30,100,93"}, {"output", "23"}};
  EXPECT_EQ(score("30 - (100 - 93)", file_row).score, 1.0);
  CountdownProblem problem = read_countdown_problem(file_row);
  EXPECT_EQ(problem.numbers, (std::vector<int64_t>{30, 100, 93}));
  EXPECT_EQ(problem.target, 23);
  EXPECT_THROW(read_countdown_problem({{"question", "x"}}), Error);
  EXPECT_THROW(read_countdown_problem({{"numbers", "1,a"}, {"target", 3}}), Error);
  EXPECT_THROW(read_countdown_problem({{"numbers", {1, 2}}, {"target", "x"}}), Error);
  auto custom = make_countdown_reward("numbers=nums:target=goal");
  RewardInput input;
  input.completion = "<answer>1+2</answer>";
  input.row = {{"nums", {1, 2}}, {"goal", 3}};
  EXPECT_EQ(custom->score({input})[0].score, 1.0);
}

// An independent brute-force solver: every expression over the numbers (each once, + - * / with exact
// rationals).
std::optional<std::string> solve(std::vector<std::pair<Rational, std::string>> values, int64_t target) {
  if (values.size() == 1) {
    if (values[0].first == Rational{target, 1}) return values[0].second;
    return std::nullopt;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = 0; j < values.size(); ++j) {
      if (i == j) continue;
      std::vector<std::pair<Rational, std::string>> rest;
      for (size_t k = 0; k < values.size(); ++k) {
        if (k != i && k != j) rest.push_back(values[k]);
      }
      const auto& [a, a_text] = values[i];
      const auto& [b, b_text] = values[j];
      auto make = [](int64_t n, int64_t d) {
        if (d < 0) n = -n, d = -d;
        int64_t g = std::gcd(n, d);
        return Rational{n / g, d / g};
      };
      std::vector<std::pair<Rational, std::string>> candidates = {
          {make(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator),
           "(" + a_text + " + " + b_text + ")"},
          {make(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator),
           "(" + a_text + " - " + b_text + ")"},
          {make(a.numerator * b.numerator, a.denominator * b.denominator),
           "(" + a_text + " * " + b_text + ")"},
      };
      if (b.numerator != 0) {
        candidates.push_back({make(a.numerator * b.denominator, a.denominator * b.numerator),
                              "(" + a_text + " / " + b_text + ")"});
      }
      for (const auto& candidate : candidates) {
        auto next = rest;
        next.push_back(candidate);
        if (auto found = solve(next, target)) return found;
      }
    }
  }
  return std::nullopt;
}

TEST(CountdownReward, EverySolvableRowOfTheShippedFileScoresOne) {
  auto data = testing::shared_data_dir();
  auto path = data / "countdown" / "cd3_test.jsonl";
  if (data.empty() || !std::filesystem::exists(path))
    GTEST_SKIP() << "../shared/data/countdown/cd3_test.jsonl absent";
  std::ifstream in(path);
  std::string line;
  int rows = 0;
  int solved = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json row = nlohmann::json::parse(line);
    ++rows;
    CountdownProblem problem = read_countdown_problem(row);
    std::vector<std::pair<Rational, std::string>> values;
    for (int64_t n : problem.numbers) values.push_back({Rational{n, 1}, std::to_string(n)});
    auto expression = solve(values, problem.target);
    if (!expression) continue;
    ++solved;
    EXPECT_EQ(score(*expression, row).score, 1.0) << *expression << " for " << line;
    EXPECT_EQ(score(*expression + " + 0", row).score, 0.0);
  }
  EXPECT_EQ(rows, 256);
  EXPECT_GT(solved, 200);
}

}  // namespace
}  // namespace grpo
