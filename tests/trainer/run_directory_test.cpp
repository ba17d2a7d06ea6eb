// What a real `grpo train` run writes, read back by everything that reads it: `grpo logs` and the report show
// the trainer's evaluation keys, the run's config.toml reads back with --config, and the run directory and
// its checkpoints stand for the model in `grpo eval`. One short run on the tiny model, shared by the tests.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "browser_page.h"
#include "core/files.h"
#include "evaluation_fixture.h"
#include "test_support.h"
#include "trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::shell_quote;

CommandResult grpo_run(const std::string& arguments) {
  return testing::run_command(shell_quote(testing::grpo_executable().string()) + " --threads 1 " + arguments);
}

class TrainedRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(testing::grpo_executable())) return;
    directory_ = new testing::TempDir();
    arguments_ = fmt::format(
        "train --model {} --data task:arithmetic --difficulty easy --template plain -G 2 "
        "--questions-per-step 2 "
        "--max-completion-length 4 --max-steps 2 --eval-size 4 --eval-steps 1 --eval-k 2 --eval-group-by "
        "difficulty --save-steps 1 --output-dir {}",
        shell_quote(testing::tiny_model_directory().directory.string()), shell_quote(run_dir().string()));
    training_ = new CommandResult(grpo_run("-q " + arguments_));
  }
  static void TearDownTestSuite() {
    delete training_;
    delete directory_;
  }
  void SetUp() override {
    if (training_ == nullptr)
      GTEST_SKIP() << "the grpo executable is not built at " << testing::grpo_executable();
    ASSERT_EQ(training_->exit_code, 0) << training_->output;
  }
  static fs::path run_dir() { return directory_->path() / "run"; }

  static testing::TempDir* directory_;
  static std::string arguments_;
  static CommandResult* training_;
};
testing::TempDir* TrainedRun::directory_ = nullptr;
std::string TrainedRun::arguments_;
CommandResult* TrainedRun::training_ = nullptr;

// Evaluations the trainer wrote: lines of eval.jsonl.
int evaluations(const fs::path& run) {
  const std::string text = read_file(run / "eval.jsonl");
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

std::string without_comments(const std::string& toml) {
  std::istringstream lines(toml);
  std::string line, kept;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#') kept += line + "\n";
  }
  return kept;
}

// A real run on box-stacking problems logs the reasoning figures at every step: the task rows (their stacks)
// travel with the rollout groups that every step gathers before its metrics, also in one process.
TEST(TrainedBoxStackingRun, EveryStepLogsTheReasoningFigures) {
  if (!fs::exists(testing::grpo_executable()))
    GTEST_SKIP() << "the grpo executable is not built at " << testing::grpo_executable();
  testing::TempDir directory;
  const CommandResult training = grpo_run(fmt::format(
      "-q train --model {} --data task:box_stacking --difficulty boxes=3,ops=1-2 --template plain -G 2 "
      "--questions-per-step 2 --max-completion-length 8 --max-steps 2 --output-dir {}",
      shell_quote(testing::tiny_model_directory().directory.string()),
      shell_quote((directory.path() / "run").string())));
  ASSERT_EQ(training.exit_code, 0) << training.output;
  const auto metrics = testing::read_jsonl(directory.path() / "run" / "metrics.jsonl");
  ASSERT_EQ(metrics.size(), 2u);
  for (const auto& line : metrics) {
    ASSERT_TRUE(line.contains("reasoning/chain_share")) << line.dump();
    EXPECT_TRUE(line["reasoning/chain_share"].is_number()) << line.dump();
    EXPECT_TRUE(line["reasoning/think_words"].is_number()) << line.dump();
  }
}

TEST_F(TrainedRun, LogsShowTheTrainersEvaluations) {
  const CommandResult logs = grpo_run("logs --no-color " + shell_quote(run_dir().string()));
  ASSERT_EQ(logs.exit_code, 0) << logs.output;
  // The evaluation table: a header naming greedy and pass@1, then rows whose values are all there.
  std::istringstream lines(logs.output);
  std::string line;
  int rows = 0;
  bool in_evals = false;
  while (std::getline(lines, line)) {
    if (line.find("greedy") != std::string::npos && line.find("pass@1") != std::string::npos) {
      in_evals = true;
      continue;
    }
    if (!in_evals || line.empty() || line.find('%') == std::string::npos) continue;
    ++rows;
    std::istringstream words(line);
    std::string step, greedy, pass1, passk, majk;
    words >> step >> greedy >> pass1 >> passk >> majk;
    for (const std::string& value : {greedy, pass1, passk, majk}) {
      EXPECT_NE(value.find('%'), std::string::npos) << "a blank value in: " << line << "\n" << logs.output;
    }
  }
  EXPECT_GE(rows, 2) << logs.output;
  EXPECT_EQ(rows, evaluations(run_dir())) << logs.output;
}

TEST_F(TrainedRun, TheReportChartsTheTrainersEvaluations) {
  if (!testing::have_chromium()) GTEST_SKIP() << "chromium is not installed: no browser test";
  const fs::path page = run_dir().parent_path() / "report.html";
  const CommandResult report =
      grpo_run("-q report " + shell_quote(run_dir().string()) + " -o " + shell_quote(page.string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const testing::BrowserPage loaded = testing::load_in_chromium(page, "");
  EXPECT_EQ(loaded.attribute("data-errors"), "0") << loaded.status_tag;
  // Every evaluation x (greedy accuracy, pass@1, pass@k, maj@k, format rate).
  EXPECT_EQ(testing::chart_points(loaded.dom, "eval"), 5 * evaluations(run_dir()))
      << loaded.dom.substr(0, 3000);
  for (const char* series : {"data-series=\"greedy accuracy\"", "data-series=\"pass@1\""}) {
    EXPECT_NE(loaded.dom.find(series), std::string::npos) << series;
  }
  EXPECT_GE(testing::chart_points(loaded.dom, "eval-breakdown"), evaluations(run_dir()))
      << "pass@1 by difficulty";
  EXPECT_NE(loaded.dom.find("pass@1 by difficulty"), std::string::npos);
}

TEST_F(TrainedRun, ConfigTomlReadsBackAsTheSameOptions) {
  const fs::path config = run_dir() / "config.toml";
  ASSERT_TRUE(fs::exists(config));
  const CommandResult dumped = grpo_run("--config " + shell_quote(config.string()) + " train --dump-config");
  ASSERT_EQ(dumped.exit_code, 0) << dumped.output;
  const CommandResult direct = grpo_run("-q " + arguments_ + " --dump-config");
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(without_comments(dumped.output), without_comments(direct.output));
  const std::string recorded = read_file(config);
  EXPECT_NE(recorded.find("[train]\n"), std::string::npos) << recorded;
  EXPECT_NE(recorded.find("max-steps = 2\n"), std::string::npos) << recorded;
  EXPECT_EQ(recorded.find("init."), std::string::npos) << "only the run's own command:\n" << recorded;
  EXPECT_NE(recorded.find("stop = \"</answer>\"\n"), std::string::npos) << "a list's default as a list:\n"
                                                                        << recorded;
}

TEST_F(TrainedRun, ARunOrACheckpointStandsForTheModel) {
  const std::string eval = " --data task:arithmetic --n 2 --k 0 --max-new-tokens 2 --examples 0";
  const CommandResult from_run = grpo_run("eval --model " + shell_quote(run_dir().string()) + eval);
  ASSERT_EQ(from_run.exit_code, 0) << from_run.output;
  EXPECT_NE(from_run.output.find("grpo: model: " + (run_dir() / "checkpoints").string()), std::string::npos)
      << from_run.output;
  EXPECT_NE(from_run.output.find("the run's newest checkpoint"), std::string::npos) << from_run.output;

  fs::path checkpoint;
  for (const auto& entry : fs::directory_iterator(run_dir() / "checkpoints")) checkpoint = entry.path();
  ASSERT_FALSE(checkpoint.empty());
  const CommandResult from_checkpoint = grpo_run("eval --model " + shell_quote(checkpoint.string()) + eval);
  ASSERT_EQ(from_checkpoint.exit_code, 0) << from_checkpoint.output;
  EXPECT_NE(from_checkpoint.output.find("the checkpoint's model"), std::string::npos)
      << from_checkpoint.output;
}

}  // namespace
}  // namespace grpo
