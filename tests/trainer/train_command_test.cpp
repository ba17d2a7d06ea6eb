// `grpo train` as a real subprocess: SIGTERM saves and exits 143; SIGKILL in the middle of a checkpoint write
// leaves the previous checkpoint to resume from, and the resumed run ends bit-identical to an uninterrupted
// one; a checkpoint is evaluated with the template it was trained with; `--help` lists the options by
// section.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"
#include "test_support.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

extern char** environ;

namespace grpo {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> train_arguments(const fs::path& model, const fs::path& data, const fs::path& run) {
  return {testing::grpo_executable().string(),
          "--threads",
          "1",
          "--seed",
          "3",
          "train",
          "--model",
          model.string(),
          "--data",
          data.string(),
          "--output-dir",
          run.string(),
          "--eval-size",
          "0",
          "--template",
          "plain",
          "--stop",
          "\n",
          "-G",
          "4",
          "--questions-per-step",
          "2",
          "--max-completion-length",
          "3",
          "--lr",
          "0.003",
          "--reward",
          "repetition,format"};
}

// Starts `arguments` with stdout and stderr into `log`; returns the child's pid.
pid_t spawn(std::vector<std::string> arguments, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) ADD_FAILURE() << "cannot start " << arguments[0];
  return pid;
}

// The exit code as a shell reports it (128 + N for a death by signal N).
int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(std::vector<std::string> arguments, const fs::path& log) {
  return wait_for(spawn(std::move(arguments), log));
}

std::vector<std::string> with(std::vector<std::string> arguments, const std::vector<std::string>& more) {
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

bool partial_checkpoint_exists(const fs::path& run) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run / "checkpoints", error)) {
    if (entry.path().filename().string().rfind(".step-", 0) == 0) return true;
  }
  return false;
}

TEST(TrainCommand, SigtermSavesACheckpointAndExits143) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  const fs::path run_dir = dir / "run", log = dir / "log.txt";
  const pid_t pid =
      spawn(with(train_arguments(model, data, run_dir), {"--max-steps", "100000", "--save-steps", "0"}), log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline &&
         !(fs::exists(run_dir / "metrics.jsonl") && fs::file_size(run_dir / "metrics.jsonl") > 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGTERM);
  const auto signalled = std::chrono::steady_clock::now();
  EXPECT_EQ(wait_for(pid), 128 + SIGTERM) << read_file(log);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(30));
  const std::string output = read_file(log);
  EXPECT_NE(output.find("SIGTERM: stopping at the next safe point"), std::string::npos) << output;
  const auto checkpoint = latest_checkpoint(run_dir);
  ASSERT_TRUE(checkpoint.has_value()) << output;
  EXPECT_NO_THROW(verify_checkpoint(*checkpoint));
}

TEST(TrainCommand, SigkillDuringACheckpointWriteResumesFromThePreviousOneExactly) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  const int steps = 12;
  const auto every_step = [&](const fs::path& run) {
    return with(train_arguments(model, data, run),
                {"--max-steps", std::to_string(steps), "--save-steps", "1", "--save-total-limit", "100"});
  };
  ASSERT_EQ(run(every_step(dir / "straight"), dir / "straight.txt"), 0) << read_file(dir / "straight.txt");

  // Kill the run the moment a checkpoint's staging directory appears; retry when the write had already ended.
  const fs::path run_dir = dir / "killed";
  bool killed_mid_write = false;
  for (int attempt = 0; attempt < 20 && !killed_mid_write; ++attempt) {
    fs::remove_all(run_dir);
    const pid_t pid = spawn(every_step(run_dir), dir / "killed.txt");
    bool seen = false;
    int status = 0;
    while (!seen && ::waitpid(pid, &status, WNOHANG) == 0) {
      seen = latest_checkpoint(run_dir).has_value() && partial_checkpoint_exists(run_dir);
    }
    if (!seen) continue;  // the run ended first
    ::kill(pid, SIGKILL);
    wait_for(pid);
    killed_mid_write = partial_checkpoint_exists(run_dir);
  }
  ASSERT_TRUE(killed_mid_write) << "never caught a checkpoint write in 20 runs";
  const auto previous = latest_checkpoint(run_dir);
  ASSERT_TRUE(previous.has_value());
  EXPECT_NO_THROW(verify_checkpoint(*previous)) << "the checkpoint before the interrupted write is intact";

  ASSERT_EQ(run(with(every_step(run_dir), {"--resume"}), dir / "resumed.txt"), 0)
      << read_file(dir / "resumed.txt");
  const std::string resumed = read_file(dir / "resumed.txt");
  EXPECT_NE(resumed.find("resumed from " + previous->string()), std::string::npos) << resumed;
  EXPECT_FALSE(partial_checkpoint_exists(run_dir)) << "the interrupted write's staging is cleaned up";
  const std::string name = "checkpoints/step-" + std::string(8 - std::to_string(steps).size(), '0') +
                           std::to_string(steps) + "/model/model.safetensors";
  EXPECT_EQ(read_file(run_dir / name), read_file(dir / "straight" / name))
      << "the resumed run ends bit-identical";
}

TEST(TrainCommand, EvalOfACheckpointUsesTheTemplateItWasTrainedWith) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  ASSERT_EQ(run(with(train_arguments(model, data, dir / "run"), {"--max-steps", "1"}), dir / "train.txt"), 0)
      << read_file(dir / "train.txt");
  const auto checkpoint = latest_checkpoint(dir / "run");
  ASSERT_TRUE(checkpoint.has_value());
  const std::string eval = testing::grpo_executable().string() + " --quiet --threads 1 eval --model '" +
                           (*checkpoint / "model").string() + "' --data '" + data.string() +
                           "' --n 2 --k 0 --examples 0";
  const auto own = testing::run_command(eval);
  EXPECT_EQ(own.exit_code, 0) << own.output;
  EXPECT_NE(own.output.find("prompting as the model was trained (prompt.json): template plain"),
            std::string::npos)
      << own.output;
  EXPECT_NE(own.output.find("template plain"), std::string::npos) << own.output;
  testing::write_text(dir / "short.txt", "Q: {question} A:");  // r1 is longer than the tiny model's context
  const auto told = testing::run_command(eval + " --template '" + (dir / "short.txt").string() + "'");
  EXPECT_EQ(told.exit_code, 0) << told.output;
  EXPECT_NE(told.output.find("overridden by --template"), std::string::npos) << told.output;
  EXPECT_EQ(told.output.find("template plain"), std::string::npos) << told.output;
}

TEST(TrainCommand, HelpListsTheOptionsBySection) {
  SKIP_WITHOUT_GRPO();
  const auto help = testing::run_command(testing::grpo_executable().string() + " train --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  size_t previous = 0;
  for (const char* section : {"Model, data and prompts:", "Rewards:", "Rollouts:", "Objective:",
                              "Optimisation:", "Evaluation, logs and checkpoints:"}) {
    const size_t at = help.output.find(section);
    EXPECT_NE(at, std::string::npos) << section << "\n" << help.output;
    if (at != std::string::npos) {
      EXPECT_GT(at, previous) << section;
      previous = at;
    }
  }
}

}  // namespace
}  // namespace grpo
