// Rejection sampling keeps exactly the samples the rewards accept (a recording reward whose verdicts the test
// knows), each distinct text once, by the keep rule; a resumed run skips the questions done, drops a torn
// line and the rows of an unfinished question, and ends with the file an uninterrupted run writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "logs/json_lines.h"
#include "model/model_dir.h"
#include "rewards/reward_set.h"
#include "test_support.h"
#include "trainer/rejection_sampling.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Accepts a completion when its text has an even number of bytes; records every verdict.
struct Verdict {
  std::string question, completion;
  bool accepted;
};
class EvenLengthReward : public RewardFunction {
 public:
  explicit EvenLengthReward(std::vector<Verdict>* log) : log_(log) {}
  std::string name() const override { return "even_length"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    std::vector<RewardResult> results;
    for (const auto& input : batch) {
      const bool accepted = input.completion.size() % 2 == 0;
      log_->push_back({input.row.at("question").get<std::string>(), input.completion, accepted});
      results.push_back({accepted ? 1.0 : 0.0, ""});
    }
    return results;
  }

 private:
  std::vector<Verdict>* log_;
};

struct SamplingSetup {
  testing::TempDir dir;
  fs::path model_dir = testing::make_model_dir(dir);
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(model_dir);
  RolloutEngine engine{load_model(model_dir, torch::kCPU), tokenizer.get()};
  std::vector<Example> questions;
  RejectionSamplingSettings settings;

  SamplingSetup() {
    for (int i = 0; i < 10; ++i) {
      Example example;
      example.id = "q" + std::to_string(i);
      example.question = "put the red box on top " + std::to_string(i);
      example.answer = std::to_string(i);
      example.row = {{"question", example.question}, {"answer", example.answer}};
      questions.push_back(example);
    }
    settings.generation.num_samples = 6;
    settings.generation.max_new_tokens = 2;
    settings.generation.stop_strings = {};
    settings.questions_per_batch = 2;
    settings.seed = 7;
  }

  RejectionSamplingSummary run(const std::vector<Example>& which, const fs::path& out,
                               std::vector<Verdict>& log) {
    RewardSet rewards;
    rewards.add(std::make_unique<EvenLengthReward>(&log));
    return run_rejection_sampling(engine, *tokenizer, which, builtin_template("plain"), rewards, settings,
                                  out);
  }
};

std::vector<json> lines_of(const fs::path& path) {
  std::vector<json> lines;
  for (const auto& object : logs::read_json_lines(path).objects) lines.push_back(json::parse(object.dump()));
  return lines;
}

TEST(RejectionSampling, KeepsExactlyTheDistinctSamplesTheRewardsAccept) {
  SamplingSetup setup;
  std::vector<Verdict> log;
  const fs::path out = setup.dir / "rows.jsonl";
  const RejectionSamplingSummary summary = setup.run(setup.questions, out, log);
  ASSERT_EQ(log.size(), 60u);

  // Expected: per question, in sample order, each accepted text the first time it is seen.
  std::vector<std::pair<std::string, std::string>> expected;
  std::map<std::string, std::set<std::string>> seen;
  int64_t accepted = 0, duplicates = 0;
  for (const auto& verdict : log) {
    if (!verdict.accepted) continue;
    ++accepted;
    if (seen[verdict.question].insert(verdict.completion).second) {
      expected.emplace_back(verdict.question, verdict.completion);
    } else {
      ++duplicates;
    }
  }
  ASSERT_GT(accepted, 0);
  ASSERT_LT(accepted, 60);  // some are rejected
  std::vector<std::pair<std::string, std::string>> written;
  for (const json& row : lines_of(out)) {
    written.emplace_back(row.at("prompt").get<std::string>(), row.at("completion").get<std::string>());
    EXPECT_EQ(row.at("rewards").at("even_length"), 1.0);
    EXPECT_EQ(row.at("answer"), row.at("id").get<std::string>().substr(1));
  }
  EXPECT_EQ(written, expected);
  EXPECT_EQ(summary.questions, 10);
  EXPECT_EQ(summary.samples, 60);
  EXPECT_EQ(summary.correct, accepted);
  EXPECT_EQ(summary.duplicates, duplicates);
  EXPECT_EQ(summary.rows, static_cast<int64_t>(expected.size()));
  const auto progress = lines_of(questions_path_of(out));
  ASSERT_EQ(progress.size(), 10u);
  EXPECT_EQ(progress[3].at("id"), "q3");
  EXPECT_TRUE(fs::exists(summary_path_of(out)));

  // The same run again refuses to touch the file without --resume or --overwrite.
  EXPECT_THROW(setup.run(setup.questions, out, log), Error);
}

TEST(RejectionSampling, ShortestCorrectKeepsOnePerQuestion) {
  SamplingSetup setup;
  setup.settings.keep = KeepRule::kShortestCorrect;
  std::vector<Verdict> log;
  const fs::path out = setup.dir / "rows.jsonl";
  setup.run(setup.questions, out, log);
  std::map<std::string, std::vector<std::string>> accepted;
  for (const auto& verdict : log)
    if (verdict.accepted) accepted[verdict.question].push_back(verdict.completion);
  const auto rows = lines_of(out);
  EXPECT_EQ(rows.size(), accepted.size());
  for (const json& row : rows) {
    const auto& candidates = accepted.at(row.at("prompt").get<std::string>());
    EXPECT_NE(std::find(candidates.begin(), candidates.end(), row.at("completion").get<std::string>()),
              candidates.end());
  }
}

TEST(RejectionSampling, ResumeSkipsDoneQuestionsAndMatchesAnUninterruptedRun) {
  SamplingSetup setup;
  std::vector<Verdict> log;
  const fs::path straight = setup.dir / "straight.jsonl";
  setup.run(setup.questions, straight, log);

  // An interrupted run: the first 6 questions done, then a row of question 7 without its progress line, and
  // a torn line at the end of each file.
  const fs::path out = setup.dir / "resumed.jsonl";
  std::vector<Verdict> first_log;
  setup.run(std::vector<Example>(setup.questions.begin(), setup.questions.begin() + 6), out, first_log);
  {
    std::ofstream rows(out, std::ios::app);
    rows << R"({"id": "q7", "prompt": "orphan", "completion": "x"})"
         << "\n"
         << R"({"id": "q8", "pro)";
    std::ofstream progress(questions_path_of(out), std::ios::app);
    progress << R"({"id": "q6", "sam)";
  }
  std::vector<Verdict> second_log;
  setup.settings.resume = true;
  const RejectionSamplingSummary summary = setup.run(setup.questions, out, second_log);
  EXPECT_EQ(summary.skipped, 6);
  EXPECT_EQ(summary.questions, 10);
  ASSERT_EQ(second_log.size(), 24u);  // 4 questions x 6 samples
  for (const auto& verdict : second_log) EXPECT_EQ(verdict.question.back() >= '6', true) << verdict.question;
  EXPECT_EQ(read_file(out), read_file(straight));
  EXPECT_EQ(read_file(questions_path_of(out)), read_file(questions_path_of(straight)));
}

}  // namespace
}  // namespace grpo
