// The arithmetic task: deterministic problems whose gold answers an independent evaluator (shunting-yard over
// the question text, in 128-bit integers) confirms; difficulty knobs; answer normalisation and the reward.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "datasets/arithmetic_task.h"
#include "datasets/task_generator.h"
#include "datasets/task_rewards.h"
#include "rewards/reward_registry.h"

namespace grpo {
namespace {

__extension__ typedef __int128 Wide;

std::string to_text(Wide value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  std::string digits;
  for (; value != 0; value /= 10)
    digits.insert(digits.begin(), static_cast<char>('0' + std::abs(static_cast<int>(value % 10))));
  return negative ? "-" + digits : digits;
}

// Shunting-yard: tokens "347 + 58 * 12 - 906" -> value, with * binding tighter than + and -.
Wide evaluate_independently(const std::string& expression) {
  std::vector<Wide> values;
  std::vector<char> operators;
  auto precedence = [](char op) { return op == '*' ? 2 : 1; };
  auto reduce = [&] {
    Wide right = values.back();
    values.pop_back();
    Wide left = values.back();
    values.pop_back();
    char op = operators.back();
    operators.pop_back();
    values.push_back(op == '+' ? left + right : op == '-' ? left - right : left * right);
  };
  std::stringstream stream(expression);
  std::string token;
  while (stream >> token) {
    if (token == "+" || token == "-" || token == "*") {
      while (!operators.empty() && precedence(operators.back()) >= precedence(token[0])) reduce();
      operators.push_back(token[0]);
    } else {
      Wide value = 0;
      for (char c : token) value = value * 10 + (c - '0');
      values.push_back(value);
    }
  }
  while (!operators.empty()) reduce();
  return values.back();
}

TEST(ArithmeticTask, GoldAnswersMatchAnIndependentEvaluator) {
  const TaskGenerator& task = find_task("arithmetic");
  static const std::regex shape("What is ([0-9]+(?: [-+*] [0-9]+)+)\\?");
  for (const std::string spec : {"easy", "medium", "hard", "digits=9,terms=4", "digits=1,terms=8,ops=*"}) {
    Difficulty difficulty = task.difficulty(spec);
    for (uint64_t index = 0; index < 300; ++index) {
      Example example = task.generate(4, index, difficulty);
      std::smatch match;
      ASSERT_TRUE(std::regex_match(example.question, match, shape)) << example.question;
      ASSERT_EQ(to_text(evaluate_independently(match[1])), example.answer) << example.question;
      EXPECT_EQ(example.row["expression"], match[1].str());
    }
  }
}

TEST(ArithmeticTask, KnownProblemStepsFollowPrecedence) {
  // A hand-checked case: the steps of one generated problem recompute its answer.
  const TaskGenerator& task = find_task("arithmetic");
  Example example = task.generate(1, 0, task.difficulty("digits=2,terms=4"));
  Wide last = 0;
  for (const auto& step : example.row["steps"]) {
    std::string text = step;
    std::string left = text.substr(0, text.find(" = "));
    std::string right = text.substr(text.find(" = ") + 3);
    ASSERT_EQ(to_text(evaluate_independently(left)), right) << text;
    last = evaluate_independently(left);
  }
  EXPECT_EQ(to_text(last), example.answer);
  EXPECT_EQ(example.row["steps"].size(), 3u);
}

TEST(ArithmeticTask, DeterministicAndKnobsRespected) {
  const TaskGenerator& task = find_task("arithmetic");
  Difficulty difficulty = task.difficulty("digits=3,terms=3-4,ops=+-");
  std::set<size_t> term_counts;
  for (uint64_t index = 0; index < 200; ++index) {
    Example example = task.generate(2, index, difficulty);
    EXPECT_EQ(example.row, task.generate(2, index, difficulty).row);
    auto operands = example.row["operands"].get<std::vector<int64_t>>();
    term_counts.insert(operands.size());
    for (int64_t operand : operands) {
      EXPECT_GE(operand, 100);
      EXPECT_LE(operand, 999);
    }
    for (const auto& op : example.row["operators"]) EXPECT_NE(op, "*");
  }
  EXPECT_EQ(term_counts, (std::set<size_t>{3, 4}));
  EXPECT_NE(task.generate(2, 0, difficulty).question, task.generate(3, 0, difficulty).question);
  EXPECT_THROW(task.difficulty("digits=9,terms=5"), Error);  // 45 digits could overflow
  EXPECT_THROW(task.difficulty("ops=/"), Error);
  EXPECT_THROW(task.difficulty("terms=1"), Error);
}

TEST(ArithmeticTask, IntegerAnswersAreNormalised) {
  EXPECT_EQ(normalise_integer_answer("1,043"), "1043");
  EXPECT_EQ(normalise_integer_answer(" +12. "), "12");
  EXPECT_EQ(normalise_integer_answer("x = 137"), "137");
  EXPECT_EQ(normalise_integer_answer("-007"), "-7");
  EXPECT_EQ(normalise_integer_answer("42.0"), "42");
  EXPECT_EQ(normalise_integer_answer("-0"), "0");
  EXPECT_EQ(normalise_integer_answer("42.5"), std::nullopt);
  EXPECT_EQ(normalise_integer_answer("forty"), std::nullopt);
  EXPECT_EQ(normalise_integer_answer(""), std::nullopt);
  EXPECT_EQ(normalise_integer_answer("1 2"), "12");
}

TEST(ArithmeticReward, ScoresTheIntegerInTheAnswerTag) {
  register_task_rewards();
  std::unique_ptr<RewardFunction> reward = make_reward("arithmetic");
  nlohmann::json row = {{"task", "arithmetic"}, {"answer", "-1043"}};
  auto input = [&](const std::string& completion) {
    RewardInput in;
    in.completion = completion;
    in.row = row;
    return in;
  };
  auto results = reward->score({input("<answer>-1,043</answer>"), input("<answer>1043</answer>"),
                                input("the answer is -1043"), input("<answer>about -1043</answer>")});
  EXPECT_EQ(results[0].score, 1.0);
  EXPECT_EQ(results[1].score, 0.0);
  EXPECT_EQ(results[1].reason, "expected -1043, got 1043");
  EXPECT_EQ(results[2].score, 0.0);
  EXPECT_EQ(results[3].score, 0.0);
}

}  // namespace
}  // namespace grpo
