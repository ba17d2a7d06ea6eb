// The shipped data sets through the accuracy reward: every GSM8K test row's own worked answer scores 1
// against its gold and a wrong final number scores 0; every MATH-500 solution's boxed answer matches its
// answer field.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "rewards/accuracy_reward.h"
#include "test_support.h"

namespace grpo {
namespace {

std::vector<nlohmann::json> read_rows(const std::filesystem::path& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

// "2,125" -> "2126": the gold's final number plus one, written plainly.
std::string plus_one(std::string number) {
  std::string digits;
  bool negative = !number.empty() && number[0] == '-';
  for (char c : number) {
    if (c >= '0' && c <= '9') digits += c;
  }
  long long value = std::stoll(digits) * (negative ? -1 : 1) + 1;
  return std::to_string(value);
}

TEST(Gsm8k, EveryWorkedAnswerScoresOneAndAWrongNumberZero) {
  auto data = testing::shared_data_dir();
  auto path = data / "gsm8k" / "test.jsonl";
  if (data.empty() || !std::filesystem::exists(path))
    GTEST_SKIP() << "../shared/data/gsm8k/test.jsonl absent";
  std::vector<nlohmann::json> rows = read_rows(path);
  ASSERT_EQ(rows.size(), 1319u);
  AccuracyReward reward;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string worked = rows[i]["answer"].get<std::string>();
    RewardInput input;
    input.row = rows[i];
    input.completion = worked;  // its own worked answer, "#### N" included
    RewardResult own = reward.score_one(input);
    ASSERT_EQ(own.score, 1.0) << "row " << i << ": " << own.reason;

    std::string gold = worked.substr(worked.rfind("####") + 4);
    std::string wrong = plus_one(gold);
    input.completion = worked.substr(0, worked.rfind("####")) + "#### " + wrong;
    RewardResult wrong_result = reward.score_one(input);
    ASSERT_EQ(wrong_result.score, 0.0) << "row " << i << ": " << wrong_result.reason;

    input.completion =
        "<think>" + worked.substr(0, worked.rfind("####")) + "</think>\n<answer>" + gold + "</answer>";
    ASSERT_EQ(reward.score_one(input).score, 1.0) << "row " << i;
  }
}

TEST(Math500, EverySolutionsBoxedAnswerMatchesItsAnswerField) {
  auto data = testing::shared_data_dir();
  auto path = data / "math500" / "test.jsonl";
  if (data.empty() || !std::filesystem::exists(path))
    GTEST_SKIP() << "../shared/data/math500/test.jsonl absent";
  std::vector<nlohmann::json> rows = read_rows(path);
  ASSERT_EQ(rows.size(), 500u);
  AccuracyReward reward;
  int matched = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    RewardInput input;
    input.row = rows[i];
    input.completion = rows[i]["solution"].get<std::string>();  // the worked solution ends in \boxed{...}
    RewardResult result = reward.score_one(input);
    if (result.score == 1.0) {
      ++matched;
    } else {
      ADD_FAILURE() << "row " << i << ": " << result.reason;
    }
    // The answer field, as a completion's answer, matches itself; a different answer does not.
    input.completion = "<answer>" + rows[i]["answer"].get<std::string>() + "</answer>";
    EXPECT_EQ(reward.score_one(input).score, 1.0) << "row " << i;
    input.completion = "<answer>2" + rows[i]["answer"].get<std::string>() + "</answer>";
    EXPECT_EQ(reward.score_one(input).score, 0.0) << "row " << i;
  }
  EXPECT_EQ(matched, 500);
}

}  // namespace
}  // namespace grpo
