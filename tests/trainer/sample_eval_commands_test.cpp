// `grpo sample` and `grpo eval` run as real subprocesses of the built `grpo` executable on a tiny model
// directory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "evaluation_fixture.h"
#include "test_support.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// `grpo --quiet ARGS` on the tiny model directory; skips when the executable is not built.
std::string grpo_command(const std::string& arguments) {
  return quoted(testing::grpo_executable()) + " --quiet --threads 1 " + arguments;
}

// GSM8K-shaped rows: a question and a worked answer ending in "#### 42".
fs::path write_gsm8k_like(const fs::path& directory, int rows) {
  fs::path path = directory / "problems.jsonl";
  std::string text;
  for (int i = 0; i < rows; ++i) {
    text += nlohmann::json({{"question", "how many books are there on stack " + std::to_string(i)},
                            {"answer", "There are 40 + 2 = 42 books.\n#### 42"}})
                .dump() +
            "\n";
  }
  testing::write_text(path, text);
  return path;
}

void expect_completion_line(const nlohmann::json& line) {
  for (const char* key : {"prompt_index", "sample", "prompt", "completion", "token_ids", "logprobs",
                          "finish_reason", "seconds"}) {
    EXPECT_TRUE(line.contains(key)) << key << " missing in " << line.dump();
  }
  EXPECT_EQ(line["token_ids"].size(), line["logprobs"].size()) << line.dump();
  EXPECT_GE(line["token_ids"].size(), 1u);
  EXPECT_LE(line["token_ids"].size(), 6u);
  for (const auto& logprob : line["logprobs"]) EXPECT_LE(logprob.get<double>(), 0.0);
}

TEST(SampleCommand, PromptTextGivesNCompletionsInOut) {
  SKIP_WITHOUT_GRPO();
  const auto& tiny = testing::tiny_model_directory();
  testing::TempDir temp;
  const auto result = testing::run_command(grpo_command("sample --model " + quoted(tiny.directory) +
                                                        " --prompt 'how many books are there' -n 3 "
                                                        "--max-new-tokens 6 --top-k 50 --out " +
                                                        quoted(temp / "out.jsonl")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("--- sample 2"), std::string::npos) << result.output;
  const auto lines = testing::read_jsonl(temp / "out.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    expect_completion_line(lines[i]);
    EXPECT_EQ(lines[i]["prompt_index"], 0);
    EXPECT_EQ(lines[i]["sample"], i);
    EXPECT_EQ(lines[i]["prompt"], "how many books are there");  // the plain template
  }
}

TEST(SampleCommand, DataFileUsesTheQuestionFieldAndTheR1Template) {
  SKIP_WITHOUT_GRPO();
  const auto& tiny = testing::tiny_model_directory();
  testing::TempDir temp;
  const fs::path data = write_gsm8k_like(temp.path(), 3);
  const auto result = testing::run_command(
      grpo_command("sample --model " + quoted(tiny.directory) + " --prompts " + quoted(data) +
                   " --limit 2 -n 2 --max-new-tokens 6 "
                   "--temperature 0 --hide-think --stop '</answer>' --out " +
                   quoted(temp / "out.jsonl")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lines = testing::read_jsonl(temp / "out.jsonl");
  ASSERT_EQ(lines.size(), 4u);  // 2 rows x 2 samples
  for (size_t i = 0; i < lines.size(); ++i) {
    expect_completion_line(lines[i]);
    EXPECT_EQ(lines[i]["prompt_index"], i / 2);
    const std::string prompt = lines[i]["prompt"];
    EXPECT_EQ(prompt.rfind("A conversation between User and Assistant.", 0), 0u) << prompt;
    EXPECT_NE(prompt.find("how many books are there on stack " + std::to_string(i / 2)), std::string::npos)
        << prompt;
  }
  // Greedy: both samples of a prompt are the same completion.
  EXPECT_EQ(lines[0]["token_ids"], lines[1]["token_ids"]);
}

TEST(SampleCommand, MissingModelIsOneErrorLine) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir temp;
  const auto result =
      testing::run_command(grpo_command("sample --model " + quoted(temp / "absent") + " --prompt hi"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(
      result.output.rfind("grpo: error: --model '" + (temp / "absent").string() + "' does not exist", 0), 0u)
      << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

TEST(EvalCommand, JsonResultOnADataFileWithPrefill) {
  SKIP_WITHOUT_GRPO();
  const auto& tiny = testing::tiny_model_directory();
  testing::TempDir temp;
  const fs::path data = write_gsm8k_like(temp.path(), 5);
  const auto result = testing::run_command(
      grpo_command("eval --model " + quoted(tiny.directory) + " --data " + quoted(data) +
                   " --n 3 --k 2 --max-new-tokens 4 --prefill '<answer>42</answer>' --examples 2 --json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json["n_problems"], 3);
  EXPECT_EQ(json["k"], 2);
  EXPECT_EQ(json["prefill"], "<answer>42</answer>");
  // Every gold is 42 ("#### 42") and the prefill writes it: greedy and every sample are right.
  EXPECT_EQ(json["greedy_accuracy"], 1.0) << json.dump(2);
  EXPECT_EQ(json["pass@1"], 1.0) << json.dump(2);
  EXPECT_EQ(json["pass@k"], 1.0) << json.dump(2);
  EXPECT_EQ(json["maj@k"], 1.0) << json.dump(2);
  EXPECT_EQ(json["format_rate"], 0.0);  // no <think> block
  ASSERT_EQ(json["examples"].size(), 2u);
  EXPECT_EQ(json["examples"][0]["gold"], "42");
  EXPECT_EQ(json["examples"][0]["text"].get<std::string>().rfind("<answer>42</answer>", 0), 0u);
}

TEST(EvalCommand, GeneratedTaskPrintsTheTable) {
  SKIP_WITHOUT_GRPO();
  const auto& tiny = testing::tiny_model_directory();
  const auto result = testing::run_command(grpo_command(
      "eval --model " + quoted(tiny.directory) +
      " --data task:arithmetic --difficulty easy --n 3 --k 2 --max-new-tokens 4 --group-by difficulty"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* expected :
       {"3 problems", "reward arithmetic", "greedy accuracy", "pass@1 (mean of 2 samples)", "maj@2",
        "by difficulty:", "examples (greedy):"}) {
    EXPECT_NE(result.output.find(expected), std::string::npos) << expected << " in:\n" << result.output;
  }
}

TEST(EvalCommand, MissingModelIsOneErrorLine) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir temp;
  const fs::path data = write_gsm8k_like(temp.path(), 2);
  const auto result = testing::run_command(
      grpo_command("eval --model " + quoted(temp / "absent") + " --data " + quoted(data) + " --n 2"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(
      result.output.rfind("grpo: error: --model '" + (temp / "absent").string() + "' does not exist", 0), 0u)
      << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

}  // namespace
}  // namespace grpo
