// `grpo logs` run as a real subprocess on the fixture run: counts, filters, colour, warnings, --follow.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "logs/json_lines.h"
#include "logs/run_log_writer.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;
using grpo::testing::FixtureCounts;
using grpo::testing::grpo_executable;
using grpo::testing::run_command;
using grpo::testing::shell_quote;
using grpo::testing::split_lines;
using grpo::testing::TempDir;

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

class LogsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
    RolloutLogOptions options;
    options.keep_uncompressed_steps = 1;  // steps 1 and 2 gzipped, 3 and 4 plain: the reader reads both
    grpo::testing::write_fixture_run(dir_.path(), options);
  }

  // Runs `grpo -q logs RUN_DIR ARGS`; stdout alone in `output`, stderr in `errors`.
  CommandResult logs(const std::string& arguments, std::string* errors = nullptr,
                     const std::string& env = "") {
    fs::path error_file = dir_ / "stderr.txt";
    CommandResult result = run_command("(" + env + " " + shell_quote(grpo_executable().string()) +
                                       " -q logs " + shell_quote(dir_.path().string()) + " " + arguments +
                                       " 2>" + shell_quote(error_file.string()) + ")");
    if (errors) *errors = grpo::testing::read_text_file(error_file);
    return result;
  }

  // The objects printed with --json.
  std::vector<Json> json_lines(const std::string& arguments) {
    std::string errors;
    CommandResult result = logs(arguments + " --json", &errors);
    EXPECT_EQ(result.exit_code, 0) << result.output << errors;
    std::vector<Json> objects;
    for (const auto& line : split_lines(result.output)) {
      Json parsed = Json::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
      if (!parsed.is_discarded()) objects.push_back(parsed);
    }
    return objects;
  }

  TempDir dir_;
};

TEST_F(LogsCommandTest, SummaryHasOneRowPerStepAndTheEvaluations) {
  std::string errors;
  CommandResult text = logs("", &errors);
  ASSERT_EQ(text.exit_code, 0) << text.output << errors;
  EXPECT_NE(text.output.find("accuracy"), std::string::npos) << text.output;
  // Step 4: reward (4*1.5 + 1.5 + 2*0.5 + 0) / 8 = 1.0625, accuracy 5/8, format 7/8, length (86 + 127) / 8.
  std::vector<std::string> expected = {"4", "1.062", "0.500", "62.5%", "87.5%", "26.6"};
  bool found = false;
  for (const auto& line : split_lines(text.output)) found |= words(line) == expected;
  EXPECT_TRUE(found) << text.output;
  EXPECT_NE(text.output.find("evaluations"), std::string::npos);
  EXPECT_NE(text.output.find("4 steps of metrics, 2 evaluations, completions logged for 4 steps"),
            std::string::npos)
      << text.output;
  EXPECT_EQ(text.output.find('\x1b'), std::string::npos) << "colour when stdout is not a terminal";

  std::vector<Json> rows = json_lines("");
  ASSERT_EQ(rows.size(), 6u);
  int steps = 0, evals = 0;
  for (const auto& row : rows) {
    steps += row["kind"] == "step";
    evals += row["kind"] == "eval";
  }
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(evals, 2);
  EXPECT_DOUBLE_EQ(rows[0]["accuracy"].get<double>(), 0.25);
}

TEST_F(LogsCommandTest, StepShowsThatStepsCompletions) {
  std::vector<Json> records = json_lines("--step 2");
  ASSERT_EQ(records.size(), static_cast<size_t>(FixtureCounts::per_step));
  for (const auto& record : records) EXPECT_EQ(record["step"], 2);
  CommandResult text = logs("--step 2");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("── step 2 · group 1 · sample 1 · question gsm8k-102 ──"), std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("reward 0.500  advantage"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("accuracy = 0  answer 41 differs from gold 42"), std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("8 of 8 logged completions match (1 step file read)"), std::string::npos);
  std::string errors;
  CommandResult missing = logs("--step 99", &errors);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(errors.find("step 99 has no logged completions"), std::string::npos) << errors;
  EXPECT_NE(errors.find("from 1 to 4"), std::string::npos) << errors;
}

TEST_F(LogsCommandTest, BestAndWorst) {
  std::vector<Json> best = json_lines("--best 3");
  ASSERT_EQ(best.size(), 3u);
  for (const auto& record : best) EXPECT_EQ(record["reward"], 1.5);
  std::vector<Json> worst_of_step = json_lines("--worst 1 --step 3");
  ASSERT_EQ(worst_of_step.size(), 1u);
  EXPECT_EQ(worst_of_step[0]["step"], 3);
  EXPECT_EQ(worst_of_step[0]["reward"], 0.0);
  EXPECT_EQ(worst_of_step[0]["finish_reason"], "length");
  EXPECT_NE(logs("--best 1 --worst 1").exit_code, 0);  // one ranking at a time
}

TEST_F(LogsCommandTest, FiltersByRewardReasonTextAndQuestion) {
  EXPECT_EQ(json_lines("--min-reward 0.25 --max-reward 0.75").size(),
            static_cast<size_t>(FixtureCounts::wrong));
  std::string errors;
  CommandResult reason = logs("--reason DIFFERS --limit 5 --json", &errors);
  EXPECT_EQ(split_lines(reason.output).size(), 5u);
  EXPECT_NE(errors.find("14 of 32 logged completions match (4 step files read); showing 5"),
            std::string::npos)
      << errors;
  std::vector<Json> zebra = json_lines("--text ZEBRA");
  ASSERT_EQ(zebra.size(), 1u);
  EXPECT_EQ(zebra[0]["step"], 2);
  EXPECT_EQ(zebra[0]["group"], 1);
  EXPECT_EQ(zebra[0]["sample"], 1);

  std::vector<Json> question = json_lines("--question gsm8k-7");
  ASSERT_EQ(question.size(), static_cast<size_t>(FixtureCounts::question_7));
  int right_at_step[5] = {0, 0, 0, 0, 0};
  for (const auto& record : question) {
    EXPECT_EQ(record["question_id"], "gsm8k-7");
    if (record["answer"] == "42") ++right_at_step[record["step"].get<int>()];
  }
  // How its answers changed: 1, 2, 3, 4 right answers (of 4) at steps 1..4.
  EXPECT_EQ(right_at_step[1], 1);
  EXPECT_EQ(right_at_step[2], 2);
  EXPECT_EQ(right_at_step[4], 4);
}

// --chain keeps the completions whose <think> holds (or lacks) a chain of box stacks (datasets/box_chain.h).
TEST(LogsChainFilter, KeepsCompletionsWithOrWithoutAChainOfStacks) {
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  const std::vector<std::string> completions = {
      "<think> the stack is red blue . remove red . now the stack is blue . </think> <answer> blue </answer>",
      "<think> the stack is red blue . remove red . </think> <answer> blue </answer>",  // repeats the
                                                                                        // question
      "<think> </think> <answer> blue </answer>",
      "<think> step 1 : swap red and blue . now the stack is blue red . step 2 : remove",  // cut, one step
      "<answer> remove red . now the stack is blue </answer>",  // steps outside <think> do not count
  };
  {
    RunLogWriter writer(dir.path());
    std::vector<RolloutRecord> records;
    for (size_t i = 0; i < completions.size(); ++i) {
      RolloutRecord record;
      record.step = 1;
      record.sample = static_cast<int>(i);
      record.question_id = "box_stacking:" + std::to_string(i);
      record.question = "the stack is red blue . remove red . what is the stack ?";
      record.gold = "blue";
      record.completion = completions[i];
      records.push_back(std::move(record));
    }
    writer.write_rollouts(1, records);
  }
  auto samples = [&](const std::string& value) {
    CommandResult result =
        run_command(shell_quote(grpo_executable().string()) + " -q logs " + shell_quote(dir.path().string()) +
                    " --chain " + value + " --json 2>&1");
    std::vector<int> found;
    for (const auto& line : split_lines(result.output)) {
      Json parsed = Json::parse(line, nullptr, false);
      if (parsed.is_object() && parsed.contains("sample")) found.push_back(parsed["sample"].get<int>());
    }
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return found;
  };
  EXPECT_EQ(samples("yes"), (std::vector<int>{0, 3}));
  EXPECT_EQ(samples("no"), (std::vector<int>{1, 2, 4}));
  CommandResult wrong = run_command(shell_quote(grpo_executable().string()) + " -q logs " +
                                    shell_quote(dir.path().string()) + " --chain maybe 2>&1");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("--chain"), std::string::npos) << wrong.output;
}

TEST_F(LogsCommandTest, HideThinkShowsAnswersOnly) {
  CommandResult text = logs("--step 1 --hide-think");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.output.find("thinking about"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("[reasoning hidden: "), std::string::npos);
  EXPECT_NE(text.output.find("<answer>42</answer>"), std::string::npos);
  EXPECT_NE(text.output.find("<answer>41</answer>"), std::string::npos);
}

TEST_F(LogsCommandTest, ModelTextCannotDriveTheTerminal) {
  CommandResult text = logs("--step 4 --text 'red'");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("^[[31mred"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find('\x1b'), std::string::npos);
  std::vector<Json> json = json_lines("--step 4 --text red");
  ASSERT_EQ(json.size(), 1u);
  EXPECT_NE(json[0]["completion"].get<std::string>().find("\x1b[31mred"),
            std::string::npos);  // exact in JSON
}

TEST_F(LogsCommandTest, ColourOnlyOnATerminalAndNeverWithNoColor) {
  if (std::system("command -v script >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "`script` (util-linux) is not installed";
  // `script` runs the command on a pseudo-terminal, so isatty(stdout) is true.
  std::string command =
      shell_quote(grpo_executable().string()) + " -q logs " + shell_quote(dir_.path().string());
  CommandResult on_terminal = run_command("script -qec " + shell_quote(command) + " /dev/null");
  EXPECT_EQ(on_terminal.exit_code, 0) << on_terminal.output;
  EXPECT_NE(on_terminal.output.find("\x1b[1m"), std::string::npos) << "no colour on a terminal";
  CommandResult no_color = run_command("NO_COLOR=1 script -qec " + shell_quote(command) + " /dev/null");
  EXPECT_EQ(no_color.output.find("\x1b["), std::string::npos) << "colour despite NO_COLOR";
  CommandResult json = run_command("script -qec " + shell_quote(command + " --json") + " /dev/null");
  EXPECT_EQ(json.output.find("\x1b["), std::string::npos) << "colour in --json output";
}

TEST_F(LogsCommandTest, TruncatedLastLinesAreReadWithAWarning) {
  std::string metrics = grpo::testing::read_text_file(dir_ / "metrics.jsonl");
  grpo::testing::write_text(dir_ / "metrics.jsonl", metrics + "{\"step\":5,\"reward\":0.");
  std::string step4 = grpo::testing::read_text_file(dir_ / "rollouts" / "step_00000004.jsonl");
  grpo::testing::write_text(dir_ / "rollouts" / "step_00000004.jsonl", step4.substr(0, step4.size() - 40));
  std::string errors;
  CommandResult summary = logs("--json", &errors);
  EXPECT_EQ(summary.exit_code, 0) << errors;
  EXPECT_EQ(split_lines(summary.output).size(), 6u);  // still 4 steps + 2 evals
  EXPECT_NE(errors.find("warning"), std::string::npos) << errors;
  EXPECT_NE(errors.find("metrics.jsonl:5: the last line is incomplete"), std::string::npos) << errors;
  CommandResult step = logs("--step 4 --json", &errors);
  EXPECT_EQ(step.exit_code, 0) << errors;
  EXPECT_EQ(split_lines(step.output).size(), 7u);  // the torn 8th record is skipped
  EXPECT_NE(errors.find("step_00000004.jsonl:8: the last line is incomplete"), std::string::npos) << errors;
}

TEST_F(LogsCommandTest, MissingRunDirectoryIsAClearError) {
  std::string errors;
  CommandResult result = run_command("(" + shell_quote(grpo_executable().string()) + " -q logs " +
                                     shell_quote((dir_ / "nope").string()) + " 2>&1)");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("is not a directory"), std::string::npos) << result.output;
}

// Starts `grpo logs RUN_DIR ARGUMENTS --follow ...` and reads its output until it says it is following.
struct Follower {
  FILE* pipe = nullptr;
  std::string output;
  Follower(const fs::path& run_dir, const std::string& arguments) {
    std::string command = shell_quote(grpo_executable().string()) + " -q logs " +
                          shell_quote(run_dir.string()) +
                          " --follow --follow-timeout 20 --poll 0.1 --no-color " + arguments + " 2>&1";
    pipe = ::popen(command.c_str(), "r");
  }
  bool wait_until_following() {
    char line[4096];
    while (pipe != nullptr && std::fgets(line, sizeof(line), pipe)) {
      output += line;
      if (std::string(line).find("following") != std::string::npos) return true;
    }
    return false;
  }
  int finish() {  // reads to the end; the exit status
    char line[4096];
    while (std::fgets(line, sizeof(line), pipe)) output += line;
    return ::pclose(pipe);
  }
};

TEST_F(LogsCommandTest, FollowPrintsStepsWrittenWhileItRunsAndStopsWhenTheRunEnds) {
  // A trainer has the run open (its writer), grpo logs follows, the trainer writes step 5 and closes the run.
  auto writer = std::make_unique<RunLogWriter>(dir_.path());
  Follower follower(dir_.path(), "--json");
  ASSERT_TRUE(follower.wait_until_following()) << follower.output;
  writer->append_metrics(Json{{"step", 5}, {"reward", 1.25}});
  writer->write_rollouts(5, grpo::testing::fixture_step_records(4));
  writer.reset();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(follower.finish(), 0) << follower.output;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0)
      << "it waited for its 20 s timeout instead of stopping with the run";
  EXPECT_NE(follower.output.find("\"kind\":\"step\",\"step\":5,\"reward\":1.25"), std::string::npos)
      << follower.output;
  EXPECT_NE(follower.output.find("stopped following (the run has ended)"), std::string::npos)
      << follower.output;
}

TEST_F(LogsCommandTest, FollowFromBeforeTheFirstStepPrintsTheHeaders) {
  TempDir empty;
  const fs::path run = empty / "run";
  Follower follower(run, "");
  ASSERT_TRUE(follower.wait_until_following()) << follower.output;
  EXPECT_NE(follower.output.find("waiting for the run to start"), std::string::npos) << follower.output;
  {
    RunLogWriter writer(run);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // seen running before it writes
    writer.append_metrics(Json{{"step", 1}, {"reward", 0.5}, {"accuracy", 0.25}});
    writer.append_eval(Json{{"step", 1}, {"greedy_accuracy", 0.5}, {"pass@1", 0.375}, {"k", 4}});
  }
  EXPECT_EQ(follower.finish(), 0) << follower.output;
  const std::string& out = follower.output;
  const size_t header = out.find("reward");
  const size_t row = out.find("25.0%");
  ASSERT_NE(header, std::string::npos) << out;
  ASSERT_NE(row, std::string::npos) << out;
  EXPECT_LT(header, row) << out;
  const size_t eval_header = out.find("greedy");
  ASSERT_NE(eval_header, std::string::npos) << out;
  EXPECT_LT(eval_header, out.find("37.5%")) << out;
  EXPECT_NE(out.find("stopped following (the run has ended)"), std::string::npos) << out;
}

TEST_F(LogsCommandTest, FollowStopsWhenTheTrainerIsGoneAndNotFollowingAnEndedRun) {
  // running.json left by a process that no longer exists (a trainer killed with kill -9).
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  grpo::testing::write_text(dir_ / "running.json",
                            Json{{"pid", static_cast<int64_t>(child)}, {"host", std::string(host)}}.dump());
  Follower gone(dir_.path(), "");
  ASSERT_TRUE(gone.wait_until_following()) << gone.output;
  EXPECT_EQ(gone.finish(), 0) << gone.output;
  EXPECT_NE(gone.output.find("is gone without closing the run"), std::string::npos) << gone.output;

  fs::remove(dir_ / "running.json");  // the fixture run is complete and nothing writes it
  CommandResult ended = run_command(shell_quote(grpo_executable().string()) + " -q logs " +
                                    shell_quote(dir_.path().string()) + " --follow --follow-timeout 20 2>&1");
  EXPECT_EQ(ended.exit_code, 0) << ended.output;
  EXPECT_NE(ended.output.find("the run has ended); not following"), std::string::npos) << ended.output;
}

TEST_F(LogsCommandTest, FollowStopsOnCtrlC) {
  RunLogWriter writer(dir_.path());  // a trainer has the run open
  // The shell prints its pid and becomes grpo (exec); once grpo says it is following, send it SIGINT. Without
  // a handler it would die of the signal; with one it stops cleanly, long before its 60 s timeout.
  std::string command = "echo $$; exec " + shell_quote(grpo_executable().string()) + " -q logs " +
                        shell_quote(dir_.path().string()) +
                        " --follow --follow-timeout 60 --question gsm8k-7 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[4096];
  ASSERT_NE(std::fgets(line, sizeof(line), pipe), nullptr);
  pid_t pid = static_cast<pid_t>(std::stol(line));
  std::string output;
  bool following = false;
  while (!following && std::fgets(line, sizeof(line), pipe)) {
    output += line;
    following = std::string(line).find("following") != std::string::npos;
  }
  ASSERT_TRUE(following) << output;
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  while (std::fgets(line, sizeof(line), pipe)) output += line;
  int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping: " << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("stopped following (interrupted)"), std::string::npos) << output;
}

}  // namespace
}  // namespace grpo::logs
