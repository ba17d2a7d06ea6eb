// The answer extraction and comparison functions shared with datasets and evaluation.
#include <gtest/gtest.h>

#include "rewards/answer_comparison.h"
#include "rewards/answer_extraction.h"
#include "rewards/answer_normalization.h"

namespace grpo {
namespace {

TEST(AnswerExtraction, AnswerTagTakesTheLastCompletePair) {
  EXPECT_EQ(extract_answer_tag("<answer>1</answer> then <answer>2</answer>"), "2");
  EXPECT_EQ(extract_answer_tag("<answer>1</answer> then <answer>2"), "1");
  EXPECT_EQ(extract_answer_tag("<answer> 7 \n</answer>"), "7");
  EXPECT_EQ(extract_answer_tag("no tags"), std::nullopt);
  EXPECT_EQ(extract_answer_tag("</answer><answer>"), std::nullopt);
}

TEST(AnswerExtraction, BoxedBalancesBracesAndTakesTheLast) {
  EXPECT_EQ(extract_last_boxed("\\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
  EXPECT_EQ(extract_last_boxed("\\boxed{1} and \\boxed{2}"), "2");
  EXPECT_EQ(extract_last_boxed("\\boxed{\\{1,2\\}}"), "\\{1,2\\}");
  EXPECT_EQ(extract_last_boxed("\\boxed{\\boxed{3}}"), "\\boxed{3}");
  EXPECT_EQ(extract_last_boxed("\\fbox{4}"), "4");
  EXPECT_EQ(extract_last_boxed("\\boxed 5$"), "5");
  EXPECT_EQ(extract_last_boxed("\\boxed{6} \\boxed{unclosed"), "6");
  EXPECT_EQ(extract_last_boxed("\\boxed{"), std::nullopt);
  EXPECT_EQ(extract_last_boxed("\\boxedx{1}"), std::nullopt);
}

TEST(AnswerExtraction, HashAndLastNumber) {
  EXPECT_EQ(extract_hash_answer("work\n#### 1,234\n"), "1,234");
  EXPECT_EQ(extract_hash_answer("####   "), std::nullopt);
  EXPECT_EQ(extract_last_number("paid $1,234.50 in total."), "1,234.50");
  EXPECT_EQ(extract_last_number("it is -3 degrees"), "-3");
  EXPECT_EQ(extract_last_number("10-3"), "3");
  EXPECT_EQ(extract_last_number("half is 3/4."), "3/4");
  EXPECT_EQ(extract_last_number("1,2,3"), "3");
  EXPECT_EQ(extract_last_number("about 10{,}000 people"), "10{,}000");
  EXPECT_EQ(extract_last_number("1{,}23"), "23");
  EXPECT_EQ(extract_last_number("value .5"), ".5");
  EXPECT_EQ(extract_last_number("none"), std::nullopt);
}

TEST(AnswerExtraction, OrderIsFollowed) {
  std::string text = "<answer>1</answer> \\boxed{2} #### 3 then 4";
  EXPECT_EQ(extract_final_answer(text)->text, "1");
  EXPECT_EQ(extract_final_answer(text, {AnswerSource::boxed})->text, "2");
  EXPECT_EQ(extract_final_answer(text, {AnswerSource::hash})->text, "3 then 4");
  EXPECT_EQ(extract_final_answer(text, {AnswerSource::last_number})->text, "4");
  EXPECT_EQ(extract_final_answer("just 5", {AnswerSource::answer_tag, AnswerSource::last_number})->source,
            AnswerSource::last_number);
  EXPECT_EQ(parse_answer_source("hash"), AnswerSource::hash);
  EXPECT_EQ(parse_answer_source("Hash"), std::nullopt);
}

TEST(AnswerExtraction, GoldAnswersOfTheShippedFormats) {
  EXPECT_EQ(extract_gold_answer("Janet sells 9 eggs.\n#### 18"), "18");
  EXPECT_EQ(extract_gold_answer("Thus $\\boxed{\\frac{14}{3}}$."), "\\frac{14}{3}");
  EXPECT_EQ(extract_gold_answer("  \\frac{14}{3} "), "\\frac{14}{3}");
  EXPECT_EQ(extract_gold_answer("23"), "23");
}

TEST(AnswerNormalization, CleansMarkupAndReadsNumbers) {
  EXPECT_EQ(clean_answer("\\left( 3, \\frac{\\pi}{2} \\right)"), "( 3, \\frac{\\pi}{2} )");
  EXPECT_EQ(clean_answer("\\text{(C)}"), "(C)");
  EXPECT_EQ(clean_answer("90^\\circ"), "90");
  EXPECT_EQ(clean_answer("y = 2x + 3"), "2x + 3");
  EXPECT_EQ(clean_answer("5x - 7y + 11z + 4 = 0"), "5x - 7y + 11z + 4 = 0");
  EXPECT_EQ(normalize_answer("\\dfrac{1}{2}"), "\\frac12");
  EXPECT_EQ(normalize_answer("x^{2} + 1"), "x^2+1");
  EXPECT_EQ(normalize_answer("\\text{East}"), "east");

  auto n = parse_answer_number(clean_answer("-\\$1,234.50 USD"));
  ASSERT_TRUE(n);
  EXPECT_EQ(to_string(*n), "-1234.5");
  EXPECT_EQ(clean_answer("10{,}000"), "10,000");
  EXPECT_EQ(to_string(*parse_answer_number(clean_answer("\\$1{,}234{,}567.5"))), "1234567.5");
  EXPECT_FALSE(parse_answer_number("1,2"));
  EXPECT_FALSE(parse_answer_number("2k"));
  EXPECT_FALSE(parse_answer_number("3\\sqrt{2}"));
  EXPECT_FALSE(parse_answer_number("1/0"));
  EXPECT_EQ(to_string(*parse_answer_number("137 \\frac{1}{2}")), "275/2");
}

TEST(AnswerComparison, NumbersWithThousandsOfDigitsCompareExactly) {
  std::string big(5000, '7');
  EXPECT_TRUE(answers_match(big, big + ".000"));
  EXPECT_FALSE(answers_match(big + "8", big + "7"));
  EXPECT_FALSE(answers_match(big, big + "7"));
  // Decimals of any length compare exactly (digit strings), fractions up to 10,000 digits by
  // cross-multiplying.
  EXPECT_TRUE(answers_match("\\frac{" + big + "}{" + big + "}", "1"));
  std::string huge(200000, '9');
  EXPECT_TRUE(answers_match(huge, huge));
  EXPECT_FALSE(answers_match(huge, huge.substr(1)));
  AnswerVerdict verdict = compare_answers("\\frac{" + huge + "}{3}", "\\frac{" + huge + "}{4}");
  EXPECT_FALSE(verdict.correct);
  EXPECT_EQ(verdict.note, "numbers too long to compare exactly");
  // A tolerance works at any magnitude without overflow.
  EXPECT_TRUE(answers_match("1" + std::string(400, '0') + ".0000001", "1" + std::string(400, '0')));
  EXPECT_TRUE(answers_match("0." + std::string(400, '0') + "1", "0." + std::string(400, '0') + "1000000001"));
}

TEST(AnswerComparison, ExactModeComparesTrimmedBytes) {
  AnswerMatchOptions exact;
  exact.mode = AnswerMatchMode::exact;
  EXPECT_TRUE(answers_match(" 1,000\n", "1,000", exact));
  EXPECT_FALSE(answers_match("1000", "1,000", exact));
}

}  // namespace
}  // namespace grpo
