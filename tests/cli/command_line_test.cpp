// The command line as a user meets it, through the real `grpo` executable: mistakes give one `grpo: error:`
// line with a did-you-mean and exit code 2; --dump-config output reads back with --config for every
// subcommand; a config file's unknown key or section is an error; the threads line only where tensors are
// computed.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "browser_page.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;
using grpo::testing::shell_quote;
using grpo::testing::TempDir;

CommandResult grpo_run(const std::string& arguments) {
  return grpo::testing::run_command(shell_quote(grpo::testing::grpo_executable().string()) + " " + arguments);
}

size_t line_count(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

class CommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(grpo::testing::grpo_executable())) {
      GTEST_SKIP() << "the grpo executable is not built at " << grpo::testing::grpo_executable();
    }
  }
  // Expects one "grpo: error: ..." line holding every piece, and exit code `code`.
  static void expect_error(const CommandResult& result, int code, const std::vector<std::string>& pieces) {
    EXPECT_EQ(result.exit_code, code) << result.output;
    EXPECT_EQ(result.output.rfind("grpo: error: ", 0), 0u) << result.output;
    EXPECT_EQ(line_count(result.output), 1u) << "one line:\n" << result.output;
    for (const std::string& piece : pieces) {
      EXPECT_NE(result.output.find(piece), std::string::npos) << "lacks '" << piece << "':\n"
                                                              << result.output;
    }
  }
  TempDir dir_;
};

TEST_F(CommandLine, MistakesAreOneLineWithADidYouMeanAndExitCodeTwo) {
  expect_error(grpo_run("trian --model m"), 2, {"unknown command 'trian'", "did you mean 'train'?"});
  expect_error(
      grpo_run("-q train --model m --data task:arithmetic --max-step 3"), 2,
      {"unknown option '--max-step' for `grpo train`", "did you mean '--max-steps'?", "grpo train --help"});
  expect_error(grpo_run("data genrate box_stacking"), 2,
               {"unknown command 'genrate' for `grpo data`", "did you mean 'generate'?"});
  expect_error(grpo_run(""), 2, {"`grpo` needs a command", "train", "eval"});
  expect_error(grpo_run("eval --data task:arithmetic"), 2, {"--model", "grpo eval --help"});
  expect_error(grpo_run("train --model m --data task:arithmetic --max-steps many"), 2,
               {"--max-steps", "many"});
  // Help and version are not mistakes.
  EXPECT_EQ(grpo_run("--help").exit_code, 0);
  EXPECT_EQ(grpo_run("train --help").exit_code, 0);
  EXPECT_EQ(grpo_run("--version").exit_code, 0);
}

TEST_F(CommandLine, AMissingModelIsAboutAModelDirectory) {
  for (const char* command :
       {"train --data task:arithmetic", "eval --data task:arithmetic --n 2", "sample --prompt hi"}) {
    const CommandResult result =
        grpo_run(fmt::format("-q {} --model {}", command, shell_quote((dir_ / "absent").string())));
    expect_error(result, 1, {"--model", "does not exist", "model directory", "checkpoint"});
    EXPECT_EQ(result.output.find("SentencePiece"), std::string::npos) << result.output;
  }
  fs::create_directories(dir_ / "empty");
  expect_error(grpo_run("-q eval --data task:arithmetic --model " + shell_quote((dir_ / "empty").string())),
               1, {"is not a model directory", "no config.json"});
}

TEST_F(CommandLine, TheThreadsLineOnlyWhereTensorsAreComputed) {
  const CommandResult tasks = grpo_run("data tasks");
  ASSERT_EQ(tasks.exit_code, 0) << tasks.output;
  EXPECT_EQ(tasks.output.find("threads on"), std::string::npos) << tasks.output;
  const CommandResult rewards = grpo_run("reward --list");
  ASSERT_EQ(rewards.exit_code, 0) << rewards.output;
  EXPECT_EQ(rewards.output.find("threads on"), std::string::npos) << rewards.output;
}

// ---- config files ----

// The subcommands `grpo --help` (or `grpo CMD --help`) lists.
std::vector<std::string> listed_subcommands(const std::string& parent) {
  const CommandResult help = grpo_run(parent + " --help");
  std::vector<std::string> names;
  std::istringstream lines(help.output);
  std::string line;
  bool in_list = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.size() < 3 || line[0] != ' ') break;
    if (line[2] == ' ') continue;  // a description's next line
    std::istringstream words(line);
    std::string name;
    words >> name;
    names.push_back(parent.empty() ? name : parent + " " + name);
  }
  return names;
}

TEST_F(CommandLine, DumpConfigReadsBackForEverySubcommand) {
  const std::string model = shell_quote((dir_ / "model").string());
  const fs::path conversation = dir_ / "conversation.json";  // --messages must name an existing file
  grpo::testing::write_text(conversation, R"([{"role": "user", "content": "2+2?"}])");
  // The arguments each subcommand requires (a command added later needs its line here).
  const std::map<std::string, std::string> required = {
      {"init", model},
      {"info", model},
      {"tokenizer train", "--out " + shell_quote((dir_ / "t.model").string())},
      {"tokenizer encode", "--model " + model},
      {"tokenizer decode", "--model " + model},
      {"tokenizer info", "--model " + model},
      {"tokenizer chat", "--model " + model + " --messages " + shell_quote(conversation.string())},
      {"sample", "--model " + model + " --prompt 'what is 2+2?'"},
      {"data generate", "box_stacking --n 3"},
      {"data show", shell_quote((dir_ / "rows.jsonl").string())},
      {"data tasks", ""},
      {"corpus", "box_stacking --out " + shell_quote((dir_ / "corpus.txt").string())},
      {"pretrain", "--model " + model + " --text corpus.txt"},
      {"train",
       "--model " + model + " --data task:arithmetic --max-steps 3 --stop '</answer>' --stop '</s>'"},
      {"eval", "--model " + model + " --data task:arithmetic --k 2"},
      {"reward", "--reward accuracy,format --reward-weights 1,0.5"},
      {"sft", "--model " + model + " --data " + shell_quote((dir_ / "sft.jsonl").string())},
      {"generate",
       "--model " + model + " --data task:arithmetic --out " + shell_quote((dir_ / "kept.jsonl").string())},
      {"distill", "--teacher " + model + " --student " + model + " --data task:arithmetic"},
      {"export", "--adapter " + shell_quote((dir_ / "adapter").string()) + " --merge-lora -o " +
                     shell_quote((dir_ / "merged").string())},
      {"pipeline run", shell_quote((dir_ / "pipeline.toml").string())},
      {"pipeline check", shell_quote((dir_ / "pipeline.toml").string())},
      {"pipeline report", shell_quote((dir_ / "pipeline.toml").string())},
      {"logs", shell_quote((dir_ / "run").string()) + " --follow"},
      {"report", shell_quote((dir_ / "run").string())},
      {"gate",
       shell_quote((dir_ / "direct.json").string()) + " " + shell_quote((dir_ / "forced.json").string())},
  };
  std::vector<std::string> commands;
  for (const std::string& command : listed_subcommands("")) {
    const std::vector<std::string> nested = listed_subcommands(command);
    commands.insert(commands.end(), nested.begin(), nested.end());
    if (nested.empty()) commands.push_back(command);
  }
  ASSERT_GE(commands.size(), 10u) << "the subcommands could not be read from `grpo --help`";
  for (const std::string& command : commands) {
    SCOPED_TRACE(command);
    const auto arguments = required.find(command);
    const std::string given = arguments == required.end() ? "" : arguments->second;
    const fs::path first = dir_ / "first.toml";
    const CommandResult dumped = grpo_run(fmt::format("--seed 7 {} {} --dump-config", command, given));
    ASSERT_EQ(dumped.exit_code, 0)
        << "`grpo " << command << " " << given
        << " --dump-config` failed (a new command needs its arguments in `required`):\n"
        << dumped.output;
    grpo::testing::write_text(first, dumped.output);
    EXPECT_NE(dumped.output.find("seed = 7"), std::string::npos) << dumped.output;
    // Read back with nothing else on the command line: the same options come out again.
    const CommandResult again =
        grpo_run(fmt::format("--config {} {} --dump-config", shell_quote(first.string()), command));
    ASSERT_EQ(again.exit_code, 0) << again.output << "\nfrom:\n" << dumped.output;
    EXPECT_EQ(again.output, dumped.output);
  }
}

TEST_F(CommandLine, ConfigFileValuesApplyAndTyposAreErrors) {
  const fs::path config = dir_ / "run.toml";
  grpo::testing::write_text(config, "seed = 11\n\n[data.generate]\nn = 2\ndifficulty = \"easy\"\n");
  const CommandResult generated =
      grpo_run(fmt::format("-q --config {} data generate arithmetic", shell_quote(config.string())));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  EXPECT_EQ(line_count(generated.output), 2u) << "--n 2 from the file:\n" << generated.output;

  grpo::testing::write_text(config, "# my run\n[train]\nmodel = \"m\"\nmax-step = 3\n");
  expect_error(
      grpo_run(fmt::format("--config {} train --data task:arithmetic", shell_quote(config.string()))), 2,
      {config.string() + ":4: unknown key 'max-step' in [train]", "did you mean 'max-steps'?"});
  grpo::testing::write_text(config, "[trian]\nmax-steps = 3\n");
  expect_error(grpo_run(fmt::format("--config {} train --model m --data task:arithmetic",
                                    shell_quote(config.string()))),
               2, {config.string() + ":1: unknown section [trian]", "did you mean [train]?"});
  grpo::testing::write_text(config, "max-steps = 3\n");
  expect_error(grpo_run(fmt::format("--config {} train --model m --data task:arithmetic",
                                    shell_quote(config.string()))),
               2, {"unknown key 'max-steps' at the top", "put it under", "[train]"});
}

}  // namespace
}  // namespace grpo
