// Offline scoring (`grpo reward`): reading completion files with indexed or embedded rows, bad lines, the
// summary, per-completion output, and the grpo executable itself when it is built.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "error_message.h"
#include "rewards/offline_scoring.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

class OfflineScoring : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_text(dir_ / "rows.jsonl",
                        "{\"question\": \"1+1?\", \"answer\": \"#### 2\"}\n"
                        "\n"
                        "{\"question\": \"2+2?\", \"answer\": \"4\", \"prompt\": \"Assistant: <think>\"}\n");
    testing::write_text(
        dir_ / "completions.jsonl",
        "{\"index\": 0, \"completion\": \"<think>1+1</think><answer>2</answer>\"}\n"
        "{\"index\": 1, \"completion\": \"2+2</think><answer>5</answer>\", \"finish_reason\": "
        "\"eos\", \"completion_ids\": [4, 5]}\n"
        "{\"row\": {\"answer\": \"7\"}, \"completion\": \"I think 7\", \"prompt\": \"P\"}\n");
  }
  testing::TempDir dir_;
};

TEST_F(OfflineScoring, ReadsIndexedAndEmbeddedRows) {
  auto inputs = read_completions(dir_ / "completions.jsonl", dir_ / "rows.jsonl");
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0].row["question"], "1+1?");
  EXPECT_EQ(inputs[0].finish_reason, "stop");
  EXPECT_EQ(inputs[1].prompt, "Assistant: <think>");  // from the row's "prompt"
  EXPECT_EQ(inputs[1].finish_reason, "eos");
  EXPECT_EQ(inputs[1].completion_ids, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(inputs[2].row["answer"], "7");
  EXPECT_EQ(inputs[2].prompt, "P");
}

TEST_F(OfflineScoring, ScoresAndSummarises) {
  auto inputs = read_completions(dir_ / "completions.jsonl", dir_ / "rows.jsonl");
  RewardSet rewards = RewardSet::from_specs({"accuracy", "format"}, {1.0, 0.5});
  OfflineScores scores = score_offline(rewards, inputs, 2);  // two batches
  EXPECT_EQ(scores.totals, (std::vector<double>{1.5, 0.5, 1.0}));
  std::string summary = format_summary(scores);
  EXPECT_NE(summary.find("3 completions, 2 rewards"), std::string::npos) << summary;
  EXPECT_NE(summary.find("accuracy         1    0.6667    0.5774           3/3"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("format         0.5    0.6667    0.5774           3/3"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("total                 1.0000    0.5000"), std::string::npos) << summary;
  EXPECT_NE(summary.find("2x  ok\n"), std::string::npos) << summary;
  std::string lines = format_scores_jsonl(scores);
  auto first = nlohmann::json::parse(lines.substr(0, lines.find('\n')));
  EXPECT_EQ(first["index"], 0);
  EXPECT_EQ(first["total"], 1.5);
  EXPECT_EQ(first["scores"]["accuracy"], 1.0);
  EXPECT_EQ(first["reasons"]["format"], "ok");
}

TEST_F(OfflineScoring, BadLinesNameTheFileAndLine) {
  testing::write_text(dir_ / "bad.jsonl", "{\"index\": 0, \"completion\": \"x\"}\n{not json\n");
  EXPECT_NE(error_of([&] {
              read_completions(dir_ / "bad.jsonl", dir_ / "rows.jsonl");
            }).find("bad.jsonl:2: not a JSON line"),
            std::string::npos);
  testing::write_text(dir_ / "huge.jsonl", "{\"index\": 1e400, \"completion\": \"x\"}\n");
  EXPECT_NE(error_of([&] {
              read_completions(dir_ / "huge.jsonl", dir_ / "rows.jsonl");
            }).find("huge.jsonl:1: not a JSON line"),
            std::string::npos);
  testing::write_text(dir_ / "range.jsonl", "{\"index\": 9, \"completion\": \"x\"}\n");
  EXPECT_NE(error_of([&] {
              read_completions(dir_ / "range.jsonl", dir_ / "rows.jsonl");
            }).find("\"index\" 9 is outside"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_completions(dir_ / "range.jsonl", ""); }).find("no data file was given"),
            std::string::npos);
  testing::write_text(dir_ / "norow.jsonl", "{\"completion\": \"x\"}\n");
  EXPECT_NE(error_of([&] { read_completions(dir_ / "norow.jsonl", ""); }).find("needs \"index\""),
            std::string::npos);
  testing::write_text(dir_ / "nocompletion.jsonl", "{\"index\": 0}\n");
  EXPECT_NE(error_of([&] {
              read_completions(dir_ / "nocompletion.jsonl", dir_ / "rows.jsonl");
            }).find("needs \"completion\" as text"),
            std::string::npos);
}

TEST_F(OfflineScoring, GrpoRewardCommand) {
  auto grpo = testing::grpo_executable();
  if (!std::filesystem::exists(grpo)) GTEST_SKIP() << "the grpo executable is not built (target grpo)";
  auto result = testing::run_command(
      grpo.string() + " -q reward --reward accuracy,format:lenient --reward-weights 1,0.5 --data " +
      (dir_ / "rows.jsonl").string() + " --completions " + (dir_ / "completions.jsonl").string() +
      " --output " + (dir_ / "scores.jsonl").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("3 completions, 2 rewards"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("format_lenient"), std::string::npos) << result.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "scores.jsonl"));

  auto unknown = testing::run_command(grpo.string() + " -q reward --reward acuracy --completions " +
                                      (dir_ / "completions.jsonl").string() + " --data " +
                                      (dir_ / "rows.jsonl").string());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("unknown reward 'acuracy'"), std::string::npos) << unknown.output;
}

// `grpo reward` knows what `grpo train` knows: the task verifiers, under the same option names.
TEST_F(OfflineScoring, GrpoRewardAndTrainShareRewardsAndOptionNames) {
  auto grpo = testing::grpo_executable();
  if (!std::filesystem::exists(grpo)) GTEST_SKIP() << "the grpo executable is not built (target grpo)";
  auto list = testing::run_command(grpo.string() + " -q reward --list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const char* task : {"box_stacking", "arithmetic", "countdown", "accuracy", "format"}) {
    EXPECT_NE(("\n" + list.output).find(std::string("\n") + task + " "), std::string::npos) << task << ":\n"
                                                                                            << list.output;
  }
  testing::write_text(dir_ / "stack_rows.jsonl", "{\"question\": \"q\", \"answer\": \"red blue\"}\n");
  testing::write_text(dir_ / "stack_completions.jsonl",
                      "{\"index\": 0, \"completion\": \"<think> </think> <answer> red blue </answer>\"}\n");
  auto scored = testing::run_command(grpo.string() + " -q reward --reward box_stacking --data " +
                                     (dir_ / "stack_rows.jsonl").string() + " --completions " +
                                     (dir_ / "stack_completions.jsonl").string());
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  EXPECT_NE(scored.output.find("box_stacking"), std::string::npos) << scored.output;

  auto train_help = testing::run_command(grpo.string() + " train --help");
  auto reward_help = testing::run_command(grpo.string() + " reward --help");
  for (const char* option :
       {"--reward ", "--reward-weights", "--reward-timeout", "--reward-failure", "--reward-default-score"}) {
    EXPECT_NE(train_help.output.find(option), std::string::npos) << option << " in grpo train --help";
    EXPECT_NE(reward_help.output.find(option), std::string::npos) << option << " in grpo reward --help";
  }
}

}  // namespace
}  // namespace grpo
