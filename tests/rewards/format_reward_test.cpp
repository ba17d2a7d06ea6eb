// The format rewards: TRL's think-format cases, the R1-Zero answer-tag cases, strict versus lenient,
// tag_count.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "rewards/format_reward.h"

namespace grpo {
namespace {

double format_score(const std::string& completion, FormatMode mode, const std::string& prompt = "") {
  return check_format(prompt, completion, mode).ok ? 1.0 : 0.0;
}

// TRL's tests/test_rewards.py, TestThinkFormatReward, in our think mode.
TEST(FormatReward, TrlThinkFormatCasesInThinkMode) {
  std::vector<std::string> valid = {
      "<think>This is my reasoning.</think>This is my answer.",
      "<think>\nThis is my reasoning.\n</think>\nThis is my answer.",
      "<think>\nThis is\nmy reasoning.\n</think>\nThis is my answer.",
      "<think>\nThis is <some tag> my reasoning.</think>\nThis is my answer.",
      "<think></think>\nThis is my answer.",
  };
  for (const auto& completion : valid)
    EXPECT_EQ(format_score(completion, FormatMode::think), 1.0) << completion;
  std::vector<std::string> invalid = {
      "<think>\nThis is my reasoning.\nThis is my answer.",                         // no closing </think>
      "<think>This is my reasoning.\nThis is my answer.",                           // no closing </think>
      "This is my reasoning. This is my answer.",                                   // no <think> tags
      "This is my reasoning.\nThis is my answer.",                                  // no <think> tags
      "This is my reasoning.</think>\nThis is my answer.",                          // no opening <think>
      "This is my reasoning.</think>This is my answer.",                            // no opening <think>
      "This<think>is my reasoning.</think>\nThis is my answer.",                    // <think> in the middle
      "<think>This is<think>my reasoning.</think></think>This is my answer.",       // nested <think>
      "<think>This is</think>\nmy\n<think>reasoning.</think>\nThis is my answer.",  // repeated think block
  };
  for (const auto& completion : invalid)
    EXPECT_EQ(format_score(completion, FormatMode::think), 0.0) << completion;
}

// The same cases with an answer block appended score the same in strict mode.
TEST(FormatReward, TrlCasesWithAnAnswerBlockInStrictMode) {
  EXPECT_EQ(format_score("<think>This is my reasoning.</think><answer>A</answer>", FormatMode::strict), 1.0);
  EXPECT_EQ(
      format_score("<think>\nThis is my reasoning.\n</think>\n<answer>\n42\n</answer>\n", FormatMode::strict),
      1.0);
  EXPECT_EQ(format_score("<think>\nThis is <some tag> my reasoning.</think>\n<answer>A</answer>",
                         FormatMode::strict),
            1.0);
  EXPECT_EQ(format_score("<think></think><answer>A</answer>", FormatMode::strict), 1.0);
  EXPECT_EQ(format_score("<think>\nreasoning\n<answer>A</answer>", FormatMode::strict), 0.0);
  EXPECT_EQ(format_score("reasoning <answer>A</answer>", FormatMode::strict), 0.0);
  EXPECT_EQ(format_score("reasoning</think><answer>A</answer>", FormatMode::strict), 0.0);
  EXPECT_EQ(format_score("This<think>is</think><answer>A</answer>", FormatMode::strict), 0.0);
  EXPECT_EQ(format_score("<think>a<think>b</think></think><answer>A</answer>", FormatMode::strict), 0.0);
  EXPECT_EQ(format_score("<think>a</think><think>b</think><answer>A</answer>", FormatMode::strict), 0.0);
}

TEST(FormatReward, AnswerTagCases) {
  struct Case {
    const char* completion;
    double strict;
    double lenient;
    const char* strict_reason;
  };
  std::vector<Case> cases = {
      {"<think>r</think><answer>42</answer>", 1, 1, "ok"},
      {"  \n<think>r</think>\n\n<answer> 42 </answer>\n\t", 1, 1, "ok"},
      {"<think>r</think>", 0, 0, "no <answer>"},
      {"<think>r</think><answer>42", 0, 0, "no </answer>"},
      {"<think>r</think>42</answer>", 0, 0, "no <answer>"},
      {"<think>r</think><answer> \n </answer>", 0, 0, "empty answer"},
      {"<think>r</think>So:<answer>42</answer>", 0, 1, "text between </think> and <answer>"},
      {"<think>r</think><answer>42</answer> I hope this helps.", 0, 1, "text after </answer>"},
      {"<think>r</think><answer>42</answer><answer>43</answer>", 0, 0, "more than one <answer>"},
      {"<think>r</think><answer>4<answer>2</answer></answer>", 0, 0, "more than one <answer>"},
      {"<think>r</think></answer>42<answer>", 0, 0, "</answer> before <answer>"},
      {"<think>r<answer>42</answer></think>", 0, 0, "<answer> inside the think block"},
      {"<answer>42</answer><think>r</think>", 0, 0, "<answer> before <think>"},
      {"<think>r</think><answer>42</answer></think>", 0, 0, "more than one </think>"},
      {"<think>r</think><answer>42</answer><think>", 0, 0, "more than one <think> (nested or repeated)"},
      {"<Think>r</Think><answer>42</answer>", 0, 0, "no <think>"},
      {"x <think>r</think><answer>42</answer>", 0, 0, "text before <think>"},
  };
  for (const Case& c : cases) {
    FormatVerdict strict = check_format("", c.completion, FormatMode::strict);
    EXPECT_EQ(strict.ok ? 1.0 : 0.0, c.strict) << c.completion;
    EXPECT_EQ(strict.reason, c.strict_reason) << c.completion;
    EXPECT_EQ(format_score(c.completion, FormatMode::lenient), c.lenient) << c.completion;
  }
}

TEST(FormatReward, APromptEndingInThinkOpensTheBlock) {
  std::string prompt = "User: 2+2?\nAssistant: <think>";
  EXPECT_EQ(format_score("it is 4</think> <answer>4</answer>", FormatMode::strict, prompt), 1.0);
  EXPECT_EQ(format_score("<think>it is 4</think> <answer>4</answer>", FormatMode::strict, prompt), 0.0);
  EXPECT_EQ(format_score("it is 4</think> <answer>4</answer>", FormatMode::strict, "User: 2+2?"), 0.0);
}

TEST(FormatReward, RewardObjectsAndSpecs) {
  RewardInput good;
  good.completion = "<think>r</think><answer>1</answer> ok";
  auto strict = make_format_reward("");
  auto lenient = make_format_reward("lenient");
  EXPECT_EQ(strict->name(), "format");
  EXPECT_EQ(lenient->name(), "format_lenient");
  EXPECT_EQ(strict->score({good})[0].score, 0.0);
  EXPECT_EQ(strict->score({good})[0].reason, "text after </answer>");
  EXPECT_EQ(lenient->score({good})[0].score, 1.0);
  EXPECT_THROW(make_format_reward("loose"), Error);
}

TEST(TagCountReward, QuarterPerTagPresentExactlyOnce) {
  TagCountReward reward;
  std::vector<RewardInput> batch(4);
  batch[0].completion = "<think>r</think><answer>1</answer>";
  batch[1].completion = "<think>r</think> 1";
  batch[2].completion = "<think><think>r</think><answer>1</answer></answer>";
  batch[3].prompt = "Assistant: <think>";
  batch[3].completion = "r</think><answer>1</answer>";
  auto results = reward.score(batch);
  EXPECT_EQ(results[0].score, 1.0);
  EXPECT_EQ(results[1].score, 0.5);
  EXPECT_EQ(results[1].reason, "<answer> x0, </answer> x0");
  EXPECT_EQ(results[2].score, 0.5);
  EXPECT_EQ(results[3].score, 1.0);
}

}  // namespace
}  // namespace grpo
