// The rollout log: every field of a record line, sampling, compression of old steps, resume, reading back.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "logs/json_lines.h"
#include "logs/rollout_log_writer.h"
#include "logs/run_layout.h"
#include "logs/run_log_writer.h"
#include "logs/run_reader.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

namespace fs = std::filesystem;
using grpo::testing::fixture_step_records;
using grpo::testing::FixtureCounts;
using grpo::testing::read_text_file;
using grpo::testing::split_lines;
using grpo::testing::TempDir;
using grpo::testing::write_fixture_run;

TEST(RolloutLog, EveryLineIsAJsonObjectWithTheDocumentedFields) {
  TempDir dir;
  write_fixture_run(dir.path(), RolloutLogOptions{0, /*compress=*/false});
  std::string text = read_text_file(dir / "rollouts" / "step_00000003.jsonl");
  std::vector<std::string> lines = split_lines(text);
  ASSERT_EQ(lines.size(), static_cast<size_t>(FixtureCounts::per_step));
  const std::vector<std::string> keys = {"step",   "question_id", "question", "gold",         "group",
                                         "sample", "completion",  "think",    "answer",       "rewards",
                                         "reward", "advantage",   "length",   "finish_reason"};
  for (const auto& line : lines) {
    Json object = Json::parse(line);  // throws on invalid JSON
    std::vector<std::string> seen;
    for (const auto& item : object.items()) seen.push_back(item.key());
    EXPECT_EQ(seen, keys);  // every field, in the documented order
    EXPECT_EQ(object["step"], 3);
    EXPECT_TRUE(object["completion"].is_string());
    EXPECT_TRUE(object["reward"].is_number());
    EXPECT_TRUE(object["advantage"].is_number());
    EXPECT_TRUE(object["length"].is_number_integer());
    for (const auto& [name, verdict] : object["rewards"].items()) {
      EXPECT_TRUE(verdict["score"].is_number() || verdict["score"].is_null()) << name;
      EXPECT_TRUE(verdict["reason"].is_string()) << name;
    }
  }
  Json first = Json::parse(lines[0]);  // group 0, sample 0 at step 3: right
  EXPECT_EQ(first["question_id"], "gsm8k-7");
  EXPECT_EQ(first["think"], "step 3 thinking about question 0, sample 0");
  EXPECT_EQ(first["answer"], "42");
  EXPECT_EQ(first["rewards"]["accuracy"]["score"], 1.0);
  EXPECT_EQ(first["rewards"]["accuracy"]["reason"], "answer 42 matches gold 42");
  EXPECT_EQ(first["reward"], 1.5);
  EXPECT_EQ(first["finish_reason"], "eos");
  Json cut = Json::parse(lines[7]);  // group 1, sample 3: cut inside <think>
  EXPECT_TRUE(cut["answer"].is_null());
  EXPECT_EQ(cut["finish_reason"], "length");
  EXPECT_EQ(cut["think"], "step 3 thinking about question 1, sample 3 and on and on");
}

TEST(RolloutLog, MetricsAndEvalLinesHoldTheDocumentedKeys) {
  TempDir dir;
  write_fixture_run(dir.path());
  JsonLines metrics = read_json_lines(dir / "metrics.jsonl");
  ASSERT_EQ(metrics.objects.size(), 4u);
  for (const char* key : {"step",
                          "reward",
                          "reward_std",
                          "rewards/accuracy/mean",
                          "rewards/accuracy/std",
                          "accuracy",
                          "format_rate",
                          "frac_reward_zero_std",
                          "completions/mean_length",
                          "completions/min_length",
                          "completions/max_length",
                          "completions/clipped_ratio",
                          "kl",
                          "entropy",
                          "clip_ratio/low_mean",
                          "clip_ratio/high_mean",
                          "clip_ratio/region_mean",
                          "grad_norm",
                          "learning_rate",
                          "num_tokens",
                          "tokens_trained",
                          "time/rollout",
                          "time/reward",
                          "time/logprobs",
                          "time/update",
                          "time/step",
                          "elapsed"}) {
    EXPECT_TRUE(metrics.objects[0].contains(key)) << key;
  }
  EXPECT_DOUBLE_EQ(metrics.objects[0]["accuracy"].get<double>(), 2.0 / 8);  // step 1: 1 + 1 right of 8
  JsonLines evals = read_json_lines(dir / "eval.jsonl");
  ASSERT_EQ(evals.objects.size(), 2u);
  for (const char* key : {"step", "greedy_accuracy", "pass@1", "pass@k", "maj@k", "k", "format_rate",
                          "mean_length", "n_problems", "breakdown"}) {
    EXPECT_TRUE(evals.objects[1].contains(key)) << key;
  }
  EXPECT_EQ(read_text_file(dir / "config.toml").substr(0, 9), "[trainer]");
}

TEST(RolloutLog, WriterRejectsAnUnknownFinishReasonAndStepLessMetrics) {
  TempDir dir;
  RunLogWriter writer(dir.path());
  auto records = fixture_step_records(1);
  records[2].finish_reason = "timeout";
  EXPECT_THROW(writer.write_rollouts(1, records), grpo::Error);
  EXPECT_THROW(writer.append_metrics(Json{{"reward", 1.0}}), grpo::Error);
}

TEST(RolloutLog, SamplesNPerStepDeterministically) {
  TempDir a, b;
  RolloutLogOptions options;
  options.completions_per_step = 3;
  options.compress = false;
  options.seed = 11;
  RolloutLogWriter first(a.path(), options), second(b.path(), options);
  EXPECT_EQ(first.write_step(5, fixture_step_records(1)), 3u);
  second.write_step(5, fixture_step_records(1));
  std::string written = read_text_file(a / "rollouts" / "step_00000005.jsonl");
  EXPECT_EQ(split_lines(written).size(), 3u);
  EXPECT_EQ(written, read_text_file(b / "rollouts" / "step_00000005.jsonl"));
  // Kept in their original order, and the step stamped on every record.
  std::vector<std::string> warnings;
  auto records = read_rollout_file(list_rollout_files(a.path()).at(0), warnings);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].step, 5);
  for (size_t i = 1; i < records.size(); ++i) {
    EXPECT_LT(records[i - 1].group * 4 + records[i - 1].sample, records[i].group * 4 + records[i].sample);
  }
  // Other steps pick other samples (seeded by the step): across 6 steps more than 3 distinct picks appear.
  std::set<int> picked;
  for (int64_t step = 10; step < 16; ++step) {
    first.write_step(step, fixture_step_records(1));
    for (const auto& record : read_rollout_file(list_rollout_files(a.path()).back(), warnings)) {
      picked.insert(record.group * 4 + record.sample);
    }
  }
  EXPECT_GT(picked.size(), 3u);
}

TEST(RolloutLog, CompressesStepsOlderThanTheWindowAndReadsBothKinds) {
  TempDir dir;
  RolloutLogOptions options;
  options.keep_uncompressed_steps = 2;
  RolloutLogWriter writer(dir.path(), options);
  for (int64_t step = 1; step <= 6; ++step)
    writer.write_step(step, fixture_step_records(step > 4 ? 4 : step));
  std::vector<RolloutFile> files = list_rollout_files(dir.path());
  ASSERT_EQ(files.size(), 6u);
  for (const auto& file : files) {
    EXPECT_EQ(file.compressed, file.step <= 3) << file.path;  // steps 4, 5, 6 stay plain
    EXPECT_TRUE(fs::exists(file.path));
  }
  EXPECT_FALSE(fs::exists(dir / "rollouts" / "step_00000001.jsonl"));
  // The compressed file reads back to the same records as were written.
  std::vector<std::string> warnings;
  auto records = read_rollout_file(files[1], warnings);  // step 2, gzipped
  ASSERT_EQ(records.size(), 8u);
  auto expected = fixture_step_records(2);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].completion, expected[i].completion);
    EXPECT_EQ(records[i].reward, expected[i].reward);
    EXPECT_EQ(records[i].rewards[0].reason, expected[i].rewards[0].reason);
  }
  EXPECT_TRUE(warnings.empty());
  writer.compress_all();
  for (const auto& file : list_rollout_files(dir.path())) EXPECT_TRUE(file.compressed) << file.path;
}

TEST(RolloutLog, ResumedRunReplacesAStepAndIgnoresTemporaryFiles) {
  TempDir dir;
  RolloutLogOptions options;
  options.keep_uncompressed_steps = 0;  // compress at once
  {
    RolloutLogWriter writer(dir.path(), options);
    writer.write_step(1, fixture_step_records(1));
    writer.write_step(2, fixture_step_records(2));
  }
  EXPECT_TRUE(fs::exists(dir / "rollouts" / "step_00000002.jsonl.gz"));
  grpo::testing::write_text(dir / "rollouts" / "step_00000003.jsonl.tmp.123", "{\"partial");
  grpo::testing::write_text(dir / "rollouts" / "notes.txt", "not a step");
  RolloutLogWriter resumed(dir.path(), RolloutLogOptions{0, /*compress=*/false});
  auto shorter = fixture_step_records(2);
  shorter.resize(2);
  resumed.write_step(2, shorter);
  std::vector<RolloutFile> files = list_rollout_files(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_FALSE(files[1].compressed);
  EXPECT_FALSE(fs::exists(dir / "rollouts" / "step_00000002.jsonl.gz"));  // the stale one is gone
  std::vector<std::string> warnings;
  EXPECT_EQ(read_rollout_file(files[1], warnings).size(), 2u);
}

TEST(RolloutLog, RunReaderKeepsTheLastLinePerStepAndWarnsOnATornOne) {
  TempDir dir;
  write_fixture_run(dir.path());
  {
    JsonlAppender metrics(dir / "metrics.jsonl");  // a resumed run redoes steps 3 and 4
    metrics.append(Json{{"step", 3}, {"reward", 9.0}});
  }
  std::string text = read_text_file(dir / "metrics.jsonl");
  grpo::testing::write_text(dir / "metrics.jsonl", text + "{\"step\":4,\"rewa");
  RunLogs run = read_run(dir.path());
  ASSERT_EQ(run.metrics.size(), 4u);
  EXPECT_EQ(run.metrics[2]["reward"], 9.0);
  EXPECT_EQ(step_of(run.metrics[3]), 4);
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("incomplete"), std::string::npos);
  EXPECT_EQ(run.evals.size(), 2u);
  ASSERT_TRUE(run.config_toml.has_value());
  EXPECT_EQ(run.rollout_files.size(), 4u);
  EXPECT_THROW(read_run(dir / "missing"), grpo::Error);
  fs::create_directories(dir / "empty");
  EXPECT_THROW(read_run(dir / "empty"), grpo::Error);
}

TEST(RolloutLog, HandWrittenRecordsAreSplitAndTolerated) {
  std::string problem;
  auto record = rollout_from_json(Json::parse(R"({"step":2,"completion":"<think>a</think><answer>b</answer>",
    "gold":42,"rewards":{"acc":1}})"),
                                  &problem);
  ASSERT_TRUE(record.has_value()) << problem;
  EXPECT_EQ(record->think, "a");
  EXPECT_EQ(record->answer, "b");
  EXPECT_EQ(record->gold, "42");
  ASSERT_EQ(record->rewards.size(), 1u);
  EXPECT_EQ(record->rewards[0].score, 1.0);
  EXPECT_FALSE(rollout_from_json(Json::parse(R"({"step":"two"})"), &problem).has_value());
  EXPECT_NE(problem.find("step"), std::string::npos);
}

}  // namespace
}  // namespace grpo::logs
