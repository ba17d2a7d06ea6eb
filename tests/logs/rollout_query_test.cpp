// Selecting completions: filters, best and worst, over the fixture run (plain and compressed files alike).
#include <gtest/gtest.h>

#include "logs/rollout_query.h"
#include "logs/run_reader.h"
#include "logs/terminal_text.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

using grpo::testing::FixtureCounts;
using grpo::testing::TempDir;

class RolloutQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RolloutLogOptions options;
    options.keep_uncompressed_steps = 1;  // steps 1 and 2 end up gzipped
    grpo::testing::write_fixture_run(dir_.path(), options);
    files_ = list_rollout_files(dir_.path());
  }
  RolloutQueryResult query(const RolloutQuery& query) {
    std::vector<std::string> warnings;
    RolloutQueryResult result = run_rollout_query(files_, query, warnings);
    EXPECT_TRUE(warnings.empty());
    return result;
  }
  TempDir dir_;
  std::vector<RolloutFile> files_;
};

TEST_F(RolloutQueryTest, AllRecordsInLogOrder) {
  ASSERT_EQ(files_.size(), 4u);
  EXPECT_TRUE(files_[0].compressed);
  EXPECT_FALSE(files_[3].compressed);
  RolloutQueryResult all = query({});
  EXPECT_EQ(all.matched, static_cast<size_t>(FixtureCounts::total));
  EXPECT_EQ(all.records.size(), static_cast<size_t>(FixtureCounts::total));
  EXPECT_EQ(all.records.front().step, 1);
  EXPECT_EQ(all.records.back().step, 4);
  EXPECT_EQ(all.records.back().sample, 3);
}

TEST_F(RolloutQueryTest, FiltersCountWhatTheFixtureHolds) {
  RolloutQuery by_reward;
  by_reward.filter.min_reward = 1.0;
  EXPECT_EQ(query(by_reward).matched, static_cast<size_t>(FixtureCounts::right));
  RolloutQuery range;
  range.filter.min_reward = 0.25;
  range.filter.max_reward = 0.75;
  EXPECT_EQ(query(range).matched, static_cast<size_t>(FixtureCounts::wrong));
  RolloutQuery by_reason;
  by_reason.filter.reason_contains = "DIFFERS";  // case-insensitive
  EXPECT_EQ(query(by_reason).matched, static_cast<size_t>(FixtureCounts::wrong));
  RolloutQuery by_text;
  by_text.filter.text_contains = "zebra";
  RolloutQueryResult zebra = query(by_text);
  ASSERT_EQ(zebra.matched, 1u);
  EXPECT_EQ(zebra.records[0].step, 2);
  RolloutQuery by_question;
  by_question.filter.question_id = "gsm8k-7";
  RolloutQueryResult question = query(by_question);
  EXPECT_EQ(question.matched, static_cast<size_t>(FixtureCounts::question_7));
  RolloutQuery one_step;
  one_step.filter.step = 3;
  RolloutQueryResult step = query(one_step);
  EXPECT_EQ(step.matched, 8u);
  EXPECT_EQ(step.files_read, 1u);
  RolloutQuery limited;
  limited.count = 5;
  RolloutQueryResult first_five = query(limited);
  EXPECT_EQ(first_five.records.size(), 5u);
  EXPECT_EQ(first_five.matched, static_cast<size_t>(FixtureCounts::total));
}

TEST_F(RolloutQueryTest, BestAndWorstRankByReward) {
  RolloutQuery best;
  best.ranking = Ranking::best;
  best.count = 3;
  RolloutQueryResult top = query(best);
  ASSERT_EQ(top.records.size(), 3u);
  for (const auto& record : top.records) EXPECT_EQ(record.reward, 1.5);
  EXPECT_EQ(top.records[0].step, 1);  // ties in log order
  RolloutQuery worst;
  worst.ranking = Ranking::worst;
  worst.count = 5;
  RolloutQueryResult bottom = query(worst);
  ASSERT_EQ(bottom.records.size(), 5u);
  for (int i = 0; i < FixtureCounts::cut; ++i) {
    EXPECT_EQ(bottom.records[i].reward, 0.0);
    EXPECT_EQ(bottom.records[i].finish_reason, "length");
  }
  EXPECT_EQ(bottom.records[4].reward, 0.5);
}

TEST(TerminalText, ControlCharactersNeverReachTheTerminal) {
  std::string shown = sanitize_for_terminal(
      "a\x1b[31mred\r\x07\n\tok\x7f \xc2\x9b"
      "2J");
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown.find('\r'), std::string::npos);
  EXPECT_EQ(shown.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(shown, "a^[[31mred^M^G\n\tok^? \\u009b2J");
}

TEST(TerminalText, HideThinkKeepsTheAnswer) {
  EXPECT_EQ(completion_without_think("<think>long reasoning</think> <answer>42</answer>"),
            "<think>[reasoning hidden: 14 characters]</think> <answer>42</answer>");
  // An empty block says so; one character is singular; characters, not UTF-8 bytes, are counted.
  EXPECT_EQ(completion_without_think("<think> </think><answer>42</answer>"),
            "<think>[reasoning hidden: empty]</think><answer>42</answer>");
  EXPECT_EQ(completion_without_think("<think>x</think>"), "<think>[reasoning hidden: 1 character]</think>");
  EXPECT_EQ(completion_without_think("<think>été</think>"),
            "<think>[reasoning hidden: 3 characters]</think>");
  RolloutRecord record;
  record.completion = "<think>secret plan</think><answer>7</answer>";
  record.answer = "7";
  record.think = "secret plan";
  std::string text = format_rollout(record, RolloutFormat{true, Palette::plain()});
  EXPECT_EQ(text.find("secret plan"), std::string::npos);
  EXPECT_NE(text.find("<answer>7</answer>"), std::string::npos);
  Json json = rollout_output_json(record, true);
  EXPECT_FALSE(json.contains("think"));
  EXPECT_EQ(json["answer"], "7");
  EXPECT_EQ(json["completion"].get<std::string>().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace grpo::logs
