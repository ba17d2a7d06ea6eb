// Countdown: the generator's targets are reachable (checked by an independent solver written here, which
// enumerates every value each subset of the numbers can make), the library solver agrees with it, and the
// rewards library's "countdown" reward accepts the stored solutions.
#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <set>

#include "core/error.h"
#include "datasets/countdown_rules.h"
#include "datasets/seeded_random.h"
#include "datasets/task_generator.h"
#include "rewards/reward_registry.h"

namespace grpo {
namespace {

// Exact fractions as reduced (numerator, denominator) pairs; values stay small here, so plain long long is
// safe.
using Value = std::pair<long long, long long>;

Value reduced(long long num, long long den) {
  if (den < 0) num = -num, den = -den;
  long long g = std::gcd(num < 0 ? -num : num, den);
  return {num / g, den / g};
}

// Every value that the numbers picked by each bitmask can make, each number once (subset dynamic programming:
// a different method from the library's recursive pair search).
std::set<Value> reachable_values(const std::vector<int64_t>& numbers) {
  size_t n = numbers.size();
  std::vector<std::set<Value>> made(size_t{1} << n);
  for (size_t i = 0; i < n; ++i) made[size_t{1} << i].insert({numbers[i], 1});
  for (size_t mask = 1; mask < made.size(); ++mask) {
    for (size_t left = (mask - 1) & mask; left > 0; left = (left - 1) & mask) {
      size_t right = mask ^ left;
      for (const Value& a : made[left]) {
        for (const Value& b : made[right]) {
          made[mask].insert(reduced(a.first * b.second + b.first * a.second, a.second * b.second));
          made[mask].insert(reduced(a.first * b.second - b.first * a.second, a.second * b.second));
          made[mask].insert(reduced(a.first * b.first, a.second * b.second));
          if (b.first != 0) made[mask].insert(reduced(a.first * b.second, a.second * b.first));
        }
      }
    }
  }
  return made.back();
}

TEST(CountdownTask, EveryTargetIsReachableByAnIndependentSolver) {
  const TaskGenerator& task = find_task("countdown");
  for (const std::string spec : {"easy", "medium", "numbers=4,values=1-25,target=50-300"}) {
    Difficulty difficulty = task.difficulty(spec);
    for (uint64_t index = 0; index < 60; ++index) {
      Example example = task.generate(6, index, difficulty);
      auto numbers = example.row["numbers"].get<std::vector<int64_t>>();
      int64_t target = example.row["target"].get<int64_t>();
      EXPECT_EQ(example.answer, std::to_string(target));
      ASSERT_EQ(reachable_values(numbers).count({target, 1}), 1u) << example.question;
      std::string reason;
      EXPECT_TRUE(check_countdown_equation(example.row["solution"], numbers, target, &reason)) << reason;
    }
  }
}

TEST(CountdownTask, DeterministicWithinTheKnobs) {
  const TaskGenerator& task = find_task("countdown");
  Difficulty difficulty = task.difficulty("numbers=3-4,values=5-30,target=10-60");
  std::set<size_t> sizes;
  for (uint64_t index = 0; index < 100; ++index) {
    Example example = task.generate(11, index, difficulty);
    EXPECT_EQ(example.row, task.generate(11, index, difficulty).row);
    auto numbers = example.row["numbers"].get<std::vector<int64_t>>();
    sizes.insert(numbers.size());
    for (int64_t number : numbers) {
      EXPECT_GE(number, 5);
      EXPECT_LE(number, 30);
    }
    EXPECT_GE(example.row["target"].get<int64_t>(), 10);
    EXPECT_LE(example.row["target"].get<int64_t>(), 60);
    EXPECT_EQ(example.question, countdown_question(numbers, example.row["target"].get<int64_t>()));
  }
  EXPECT_EQ(sizes, (std::set<size_t>{3, 4}));
  EXPECT_THROW(task.difficulty("numbers=7"), Error);
}

TEST(CountdownSolver, AgreesWithTheIndependentSolverOnRandomProblems) {
  SeededRandom random(2024);
  int reachable = 0;
  int unreachable = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::vector<int64_t> numbers(static_cast<size_t>(random.uniform(2, 4)));
    for (auto& number : numbers) number = random.uniform(1, 12);
    int64_t target = random.uniform(1, 60);
    bool expected = reachable_values(numbers).count({target, 1}) == 1;
    auto solution = solve_countdown(numbers, target);
    ASSERT_EQ(solution.has_value(), expected) << "target " << target;
    if (solution) {
      ++reachable;
      std::string reason;
      EXPECT_TRUE(check_countdown_equation(*solution, numbers, target, &reason))
          << *solution << ": " << reason;
    } else {
      ++unreachable;
    }
  }
  EXPECT_GT(reachable, 10);  // both outcomes were exercised
  EXPECT_GT(unreachable, 10);
  EXPECT_EQ(solve_countdown({1, 1}, 5), std::nullopt);
  EXPECT_EQ(solve_countdown({3, 4}, 7), "3 + 4");
  EXPECT_TRUE(solve_countdown({1, 3, 4, 6}, 24).has_value());  // needs a fraction: 6 / (1 - 3/4)
}

TEST(CountdownRules, EquationsAreCheckedForNumbersAndValue) {
  std::string reason;
  EXPECT_TRUE(check_countdown_equation("(100 - 93) * 30 / 10 + 2", {100, 93, 30, 10, 2}, 23, &reason))
      << reason;
  EXPECT_TRUE(check_countdown_equation("30 - (100 - 93) = 23", {30, 100, 93}, 23, &reason)) << reason;
  EXPECT_FALSE(check_countdown_equation("30 - 7", {30, 100, 93}, 23, &reason));
  EXPECT_NE(reason.find("uses [30, 7] but the numbers are [30, 100, 93]"), std::string::npos) << reason;
  EXPECT_FALSE(check_countdown_equation("30 + 100 - 93", {30, 100, 93}, 23, &reason));
  EXPECT_NE(reason.find("equals 37, not 23"), std::string::npos) << reason;
  EXPECT_FALSE(check_countdown_equation("30 + ", {30}, 30, &reason));
  EXPECT_NE(reason.find("cannot evaluate"), std::string::npos) << reason;
}

TEST(CountdownRules, NumbersAndTargetsParseFromTheCommonShapes) {
  EXPECT_EQ(parse_countdown_numbers("30,100,93"), (std::vector<int64_t>{30, 100, 93}));
  EXPECT_EQ(parse_countdown_numbers("[30, 100, 93]"), (std::vector<int64_t>{30, 100, 93}));
  EXPECT_EQ(parse_countdown_numbers(nlohmann::json::array({1, 2})), (std::vector<int64_t>{1, 2}));
  EXPECT_THROW(parse_countdown_numbers("1,,2"), Error);
  EXPECT_THROW(parse_countdown_numbers("7"), Error);
  EXPECT_EQ(parse_countdown_target("23"), 23);
  EXPECT_EQ(parse_countdown_target(23), 23);
  EXPECT_THROW(parse_countdown_target("twenty"), Error);
}

TEST(CountdownReward, TheRewardsLibraryAcceptsGeneratedSolutions) {
  std::unique_ptr<RewardFunction> reward = make_reward("countdown");
  const TaskGenerator& task = find_task("countdown");
  EXPECT_EQ(task.reward_name(), "countdown");
  Difficulty difficulty = task.difficulty("medium");
  std::vector<RewardInput> batch;
  for (uint64_t index = 0; index < 20; ++index) {
    Example example = task.generate(12, index, difficulty);
    RewardInput input;
    input.completion =
        "<think> ... </think> <answer> " + example.row["solution"].get<std::string>() + " </answer>";
    input.row = example.row;
    batch.push_back(input);
  }
  for (const auto& result : reward->score(batch)) EXPECT_EQ(result.score, 1.0) << result.reason;
}

}  // namespace
}  // namespace grpo
