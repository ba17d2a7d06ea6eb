// Splitting completions into <think> and <answer> parts.
#include <gtest/gtest.h>

#include <string>

#include "logs/completion_parts.h"

namespace grpo::logs {
namespace {

struct Split {
  std::optional<std::string> think, answer;
  bool think_closed = false, answer_closed = false;
};

Split split(const std::string& text) {
  CompletionParts parts = split_completion(text);
  return Split{part_text(text, parts.think), part_text(text, parts.answer), parts.think_closed,
               parts.answer_closed};
}

TEST(CompletionParts, SplitsTheR1Shape) {
  Split parts = split("<think> 6 * 7 = 42 </think>\n<answer> 42 </answer>");
  EXPECT_EQ(parts.think, "6 * 7 = 42");
  EXPECT_EQ(parts.answer, "42");
  EXPECT_TRUE(parts.think_closed);
  EXPECT_TRUE(parts.answer_closed);
}

TEST(CompletionParts, CompletionStartingInsideThinkBlock) {
  // The prompt ended with "<think>", so the completion opens with the reasoning itself.
  Split parts = split("so it is 42.</think> <answer>42</answer>");
  EXPECT_EQ(parts.think, "so it is 42.");
  EXPECT_EQ(parts.answer, "42");
}

TEST(CompletionParts, AbsentPartsAreNothing) {
  Split parts = split("The answer is 42.");
  EXPECT_FALSE(parts.think.has_value());
  EXPECT_FALSE(parts.answer.has_value());
  Split answer_only = split("<answer>7</answer>");
  EXPECT_FALSE(answer_only.think.has_value());
  EXPECT_EQ(answer_only.answer, "7");
}

TEST(CompletionParts, UnclosedThinkRunsToTheEndAndHasNoAnswer) {
  Split parts = split("<think>still going <answer>1</answer> and on");
  EXPECT_EQ(parts.think, "still going <answer>1</answer> and on");
  EXPECT_FALSE(parts.think_closed);
  EXPECT_FALSE(parts.answer.has_value());
}

TEST(CompletionParts, UnclosedAnswerRunsToTheEnd) {
  Split parts = split("<think>a</think><answer> 4");
  EXPECT_EQ(parts.answer, "4");
  EXPECT_FALSE(parts.answer_closed);
}

TEST(CompletionParts, AnswerIsTakenAfterTheThinkBlock) {
  Split parts = split("<think>maybe <answer>1</answer>?</think><answer>2</answer><answer>3</answer>");
  EXPECT_EQ(parts.think, "maybe <answer>1</answer>?");
  EXPECT_EQ(parts.answer, "2");  // the first after </think>
}

TEST(CompletionParts, TextBeforeThinkAndEmptyBlocks) {
  Split parts = split("Sure! <think></think><answer></answer>");
  EXPECT_EQ(parts.think, "");
  EXPECT_EQ(parts.answer, "");
}

TEST(CompletionParts, LongAdversarialTextIsScannedWhole) {
  // Many almost-tags: a backtracking matcher would crawl; the scanner finds the real block at the end.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "<thin<answe</think";
  text += "<think>x</think><answer>y</answer>";
  CompletionParts parts = split_completion(text);
  ASSERT_TRUE(parts.think.has_value());
  // "</think" without '>' never closes, so the first </think> is the real one, after the first "<think>".
  EXPECT_EQ(part_text(text, parts.think), "x");
  EXPECT_EQ(part_text(text, parts.answer), "y");
}

}  // namespace
}  // namespace grpo::logs
