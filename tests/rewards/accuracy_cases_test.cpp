// Hand-written accuracy cases: a completion, the row's gold answer, and the verdict the accuracy reward must
// give.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "rewards/accuracy_reward.h"

namespace grpo {
namespace {

struct AccuracyCase {
  const char* completion;
  const char* gold;
  double expected;
};

RewardInput input_for(const std::string& completion, const nlohmann::json& gold) {
  RewardInput input;
  input.completion = completion;
  input.row = {{"question", "q"}, {"answer", gold}};
  input.finish_reason = "stop";
  return input;
}

const std::vector<AccuracyCase> kCases = {
    // Plain integers and where the answer is read from.
    {"<answer>42</answer>", "42", 1},
    {"<answer>41</answer>", "42", 0},
    {"<answer> 42 </answer>", "42", 1},
    {"<think>maybe 41</think><answer>42</answer>", "42", 1},
    {"<think>it is 42</think><answer>41</answer>", "42", 0},
    {"so the result is \\boxed{42}.", "42", 1},
    {"\\boxed{41} no wait \\boxed{42}", "42", 1},
    {"\\boxed{42} no wait \\boxed{41}", "42", 0},
    {"She makes 9 * 2 = 18 dollars.\n#### 18", "18", 1},
    {"She makes 18 dollars.\n#### 17", "18", 0},
    {"First 3 + 4 = 7, then 7 * 6 = 42", "42", 1},
    {"First 3 + 4 = 7, then 7 * 6 = 42. Done in 2 steps", "42", 0},
    {"I cannot solve this.", "42", 0},
    {"", "42", 0},
    {"<answer></answer> the answer is 42", "42", 0},  // an empty answer tag is the answer: nothing
    // The answer tag wins over boxed and ####.
    {"\\boxed{41}\n<answer>42</answer>", "42", 1},
    {"#### 41\n<answer>42</answer>", "42", 1},
    {"<answer>\\boxed{42}</answer>", "42", 1},
    {"<answer>$42$</answer>", "42", 1},
    // Commas, currency, percent, units, trailing zeros.
    {"<answer>1,000</answer>", "1000", 1},
    {"<answer>1000</answer>", "1,000", 1},
    {"<answer>1,234,567</answer>", "1234567", 1},
    {"<answer>12,34</answer>", "1234", 0},
    // LaTeX's thousands separator {,} (MATH gold answers such as 10{,}000), in the gold and in completions.
    {"<answer>10000</answer>", "10{,}000", 1},
    {"<answer>10,000</answer>", "10{,}000", 1},
    {"<answer>10001</answer>", "10{,}000", 0},
    {"\\boxed{1{,}234{,}567}", "1234567", 1},
    {"so it costs 1{,}500 dollars", "1500", 1},
    {"<answer>3{,}14</answer>", "314", 0},  // a decimal comma is not a thousands group
    {"<answer>$18</answer>", "18", 1},
    {"<answer>\\$18.00</answer>", "18", 1},
    {"<answer>\xE2\x82\xAC"
     "18</answer>",
     "18", 1},
    {"<answer>25%</answer>", "25", 1},
    {"<answer>25\\%</answer>", "25", 1},
    {"<answer>18 dollars</answer>", "18", 1},
    {"<answer>18 eggs per day</answer>", "18", 1},
    {"<answer>5 cm^2</answer>", "5", 1},
    {"<answer>18.0</answer>", "18", 1},
    {"<answer>18.50</answer>", "18.5", 1},
    {"<answer>0.5</answer>", ".5", 1},
    {"<answer>-3</answer>", "-3", 1},
    {"<answer>3</answer>", "-3", 0},
    {"<answer>\xE2\x88\x92"
     "3</answer>",
     "-3", 1},
    {"<answer>90^\\circ</answer>", "90", 1},
    {"<answer>90\xC2\xB0</answer>", "90^\\circ", 1},
    {"<answer>18 and 19</answer>", "18", 0},
    // Integers versus decimals with a tolerance; integers are exact.
    {"<answer>0.3333333</answer>", "\\frac{1}{3}", 1},
    {"<answer>0.33</answer>", "\\frac{1}{3}", 0},
    {"<answer>1000001</answer>", "1000000", 0},
    {"<answer>2.0000000001</answer>", "2", 1},
    {"<answer>2.1</answer>", "2", 0},
    // Fractions and LaTeX.
    {"<answer>\\frac{3}{56}</answer>", "\\frac{3}{56}", 1},
    {"<answer>3/56</answer>", "\\frac{3}{56}", 1},
    {"<answer>\\dfrac{6}{112}</answer>", "\\frac{3}{56}", 1},
    {"<answer>\\frac{4}{56}</answer>", "\\frac{3}{56}", 0},
    {"<answer>\\frac43</answer>", "\\frac{4}{3}", 1},
    {"<answer>\\frac{9}{19}</answer>", "\\frac9{19}", 1},
    {"<answer>-\\frac{35}{9}</answer>", "-\\frac{35}{9}", 1},
    {"<answer>\\frac{35}{9}</answer>", "-\\frac{35}{9}", 0},
    {"<answer>1.8</answer>", "1\\frac{4}{5}", 1},
    {"<answer>\\frac{9}{5}</answer>", "1\\frac{4}{5}", 1},
    {"<answer>\\frac{270}{7} degrees</answer>", "\\frac{270}7\\text{ degrees}", 1},
    {"<answer>3\\sqrt{13}</answer>", "3\\sqrt{13}", 1},
    {"<answer>3 \\sqrt{13}</answer>", "3\\sqrt{13}", 1},
    {"<answer>3\\sqrt{14}</answer>", "3\\sqrt{13}", 0},
    {"<answer>\\sqrt2 \\cdot 11</answer>", "11\\sqrt2", 0},
    {"<answer>11\\sqrt{2}</answer>", "11\\sqrt2", 1},
    {"<answer>(3, \\frac{\\pi}{2})</answer>", "\\left( 3, \\frac{\\pi}{2} \\right)", 1},
    {"<answer>(6,31,-1)</answer>", "(6,31,-1)", 1},
    {"<answer>(6, 31, 1)</answer>", "(6,31,-1)", 0},
    {"<answer>(0.5, 2)</answer>", "\\left(\\frac{1}{2}, 2\\right)", 1},
    {"<answer>[0.5, 2)</answer>", "\\left(\\frac{1}{2}, 2\\right)", 0},
    {"<answer>\\text{Evelyn}</answer>", "\\text{Evelyn}", 1},
    {"<answer>evelyn</answer>", "\\text{Evelyn}", 1},
    {"<answer>Emily</answer>", "\\text{Evelyn}", 0},
    {"<answer>x=5</answer>", "5", 1},
    {"<answer>5</answer>", "x=5", 1},
    {"<answer>6 - 5i</answer>", "6-5i", 1},
    {"<answer>6 + 5i</answer>", "6-5i", 0},
    {"<answer>2k+2</answer>", "2k+2", 1},
    {"<answer>2</answer>", "2k", 0},
    {"<answer>52_8</answer>", "52_8", 1},
    {"<answer>4210_5</answer>", "4210_{5}", 1},
    {"<answer>32348</answer>", "\\$32,\\!348", 1},
    {"<answer>11111111100</answer>", "11,\\! 111,\\! 111,\\! 100", 1},
    {"<answer>10080</answer>", "10,\\!080", 1},
    // Multiple-choice letters.
    {"<answer>C</answer>", "\\text{(C)}", 1},
    {"<answer>(C)</answer>", "C", 1},
    {"<answer>(C) 42</answer>", "C", 1},
    {"<answer>c</answer>", "C", 1},
    {"<answer>B</answer>", "\\text{(C)}", 0},
    {"<answer>CD</answer>", "C", 0},
    // GSM8K worked answers as gold.
    {"<answer>18</answer>", "She makes 9 * 2 = $<<9*2=18>>18.\n#### 18", 1},
    {"<answer>2125</answer>", "... so 2,125.\n#### 2,125", 1},
    {"<answer>2126</answer>", "... so 2,125.\n#### 2,125", 0},
    // MATH worked solutions as gold.
    {"<answer>\\frac{14}{3}</answer>", "so the answer is $\\boxed{\\frac{14}{3}}$.", 1},
    // Very long numbers compare exactly, without doubles.
    {"<answer>123456789012345678901234567890</answer>", "123456789012345678901234567890", 1},
    {"<answer>123456789012345678901234567891</answer>", "123456789012345678901234567890", 0},
};

TEST(AccuracyReward, HandWrittenCases) {
  ASSERT_GE(kCases.size(), 60u);
  AccuracyReward reward;
  for (const AccuracyCase& c : kCases) {
    RewardResult result = reward.score_one(input_for(c.completion, c.gold));
    ASSERT_TRUE(result.score.has_value()) << c.completion;
    EXPECT_EQ(*result.score, c.expected)
        << "completion: " << c.completion << "\ngold: " << c.gold << "\nreason: " << result.reason;
  }
}

TEST(AccuracyReward, ReasonsSayWhatWasExpectedAndFound) {
  AccuracyReward reward;
  EXPECT_EQ(reward.score_one(input_for("<answer>41</answer>", "42")).reason,
            "expected \"42\", got \"41\" (answer_tag; numbers differ)");
  EXPECT_EQ(reward.score_one(input_for("<answer>42</answer>", "42")).reason, "correct: \"42\" (answer_tag)");
  EXPECT_EQ(reward.score_one(input_for("no digits here", "42")).reason,
            "no answer found (tried answer_tag, boxed, hash, last_number)");
}

TEST(AccuracyReward, GoldFieldOrderToleranceAndExactModeAreConfigurable) {
  RewardInput input;
  input.completion = "The total is 18. \\boxed{17}";
  input.row = {{"gold", 18}};
  EXPECT_EQ(make_accuracy_reward("field=gold")->score({input})[0].score, 0.0);
  EXPECT_EQ(make_accuracy_reward("field=gold:order=last_number")->score({input})[0].score,
            0.0);  // 17 is last
  input.completion = "\\boxed{17}. The total is 18.";
  EXPECT_EQ(make_accuracy_reward("field=gold:order=last_number")->score({input})[0].score, 1.0);
  EXPECT_EQ(make_accuracy_reward("field=gold:order=boxed")->score({input})[0].score, 0.0);

  input.row = {{"answer", "0.33"}};
  input.completion = "<answer>1/3</answer>";
  EXPECT_EQ(make_accuracy_reward("")->score({input})[0].score, 0.0);
  EXPECT_EQ(make_accuracy_reward("tolerance=0.02")->score({input})[0].score, 1.0);

  input.row = {{"answer", "Paris"}};
  input.completion = "<answer>paris</answer>";
  EXPECT_EQ(make_accuracy_reward("")->score({input})[0].score, 1.0);
  EXPECT_EQ(make_accuracy_reward("exact")->score({input})[0].score, 0.0);
  input.completion = "<answer> Paris </answer>";
  EXPECT_EQ(make_accuracy_reward("exact")->score({input})[0].score, 1.0);

  EXPECT_THROW(make_accuracy_reward("order=boxed/nonsense"), Error);
  EXPECT_THROW(make_accuracy_reward("tolerance=abc"), Error);
  EXPECT_THROW(make_accuracy_reward("colour=blue"), Error);
}

TEST(AccuracyReward, GoldMayBeANumberOrAListAndNullIsNotApplicable) {
  AccuracyReward reward;
  EXPECT_EQ(reward.score_one(input_for("<answer>2.5</answer>", 2.5)).score, 1.0);
  EXPECT_EQ(reward.score_one(input_for("<answer>7</answer>", 7)).score, 1.0);
  EXPECT_EQ(reward.score_one(input_for("<answer>0.5</answer>", nlohmann::json::array({"1/2", "50%"}))).score,
            1.0);
  EXPECT_EQ(reward.score_one(input_for("<answer>0.4</answer>", nlohmann::json::array({"1/2", "50%"}))).score,
            0.0);
  RewardResult na = reward.score_one(input_for("<answer>7</answer>", nullptr));
  EXPECT_FALSE(na.score.has_value());
  EXPECT_EQ(na.reason, "no gold answer in field 'answer'");
  EXPECT_FALSE(reward.score_one(input_for("<answer>7</answer>", "  ")).score.has_value());
}

TEST(AccuracyReward, AMissingGoldFieldIsAnErrorNamingTheFields) {
  AccuracyReward reward;
  RewardInput input;
  input.completion = "<answer>1</answer>";
  input.row = {{"question", "q"}, {"solution", "s"}};
  try {
    reward.score_one(input);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("no field 'answer'"), std::string::npos) << message;
    EXPECT_NE(message.find("question, solution"), std::string::npos) << message;
    EXPECT_NE(message.find("accuracy:field=NAME"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace grpo
