// Data-parallel `grpo train` as real processes talking over c10d (Gloo on the loopback interface, free
// ports): 2 ranks x 8 questions end with the weights and rewards of 1 rank x 16 questions, also through a
// resume on 2 or 1 ranks; a rank killed with SIGKILL makes the other stop within --dist-timeout, naming
// itself and the step, with no partial checkpoint, and the run resumes; a port in use and an unreachable
// master are one line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"
#include "logs/metric_names.h"
#include "model/model_dir.h"
#include "test_support.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

extern char** environ;

namespace grpo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// `grpo train` on the trainer fixture's tiny model: 16 questions x 4 completions per step.
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
          "16",
          "--max-completion-length",
          "6",
          "--lr",
          "0.001",
          "--reward",
          testing::token_reward_spec(data.parent_path()),
          "--scale-rewards",
          "batch",
          "--save-steps",
          "1",
          "--save-total-limit",
          "10"};
}

std::vector<std::string> with(std::vector<std::string> arguments, const std::vector<std::string>& more) {
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

// Starts `arguments` with `environment` added to this process's, stdout and stderr into `log`.
pid_t spawn(std::vector<std::string> arguments, const fs::path& log,
            const std::map<std::string, std::string>& environment = {}) {
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (environment.count(entry.substr(0, entry.find('='))) == 0) variables.push_back(entry);
  }
  for (const auto& [name, value] : environment) variables.push_back(name + "=" + value);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv, envp;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  for (auto& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) {
    ADD_FAILURE() << "cannot start " << arguments[0];
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(std::vector<std::string> arguments, const fs::path& log) {
  return wait_for(spawn(std::move(arguments), log));
}

// The environment torchrun gives rank `rank` of `world`.
std::map<std::string, std::string> rank_environment(int rank, int world, int port) {
  return {{"RANK", std::to_string(rank)},       {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)}, {"LOCAL_WORLD_SIZE", std::to_string(world)},
          {"MASTER_ADDR", "127.0.0.1"},         {"MASTER_PORT", std::to_string(port)}};
}

fs::path checkpoint_model(const fs::path& run, int step) {
  return run / "checkpoints" / fmt::format("step-{:08d}", step) / "model";
}

double max_abs_difference(const fs::path& a, const fs::path& b) {
  auto first = load_model(a.string(), torch::kCPU), second = load_model(b.string(), torch::kCPU);
  const auto p = first->named_parameters(), q = second->named_parameters();
  double worst = 0;
  for (const auto& item : p) {
    worst = std::max(worst, (item.value() - q[item.key()]).abs().max().item<double>());
  }
  return worst;
}

// metrics.jsonl's rewards, one per step.
std::vector<double> rewards_of(const fs::path& run) {
  std::ifstream in(run / "metrics.jsonl");
  std::vector<double> rewards;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rewards.push_back(nlohmann::json::parse(line).at("reward").get<double>());
  }
  return rewards;
}

bool partial_checkpoint_exists(const fs::path& run) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run / "checkpoints", error)) {
    if (entry.path().filename().string().rfind(".step-", 0) == 0) return true;
  }
  return false;
}

class DataParallel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(testing::grpo_executable())) return;
    model_ = testing::make_model_dir(dir_);
    data_ = testing::make_data(dir_);
    testing::write_token_reward(dir_.path());
  }
  std::vector<std::string> arguments(const fs::path& run, const std::string& max_steps = "3") const {
    return with(train_arguments(model_, data_, run), {"--max-steps", max_steps});
  }

  testing::TempDir dir_;
  fs::path model_, data_;
};

TEST_F(DataParallel, TwoRanksGiveTheWeightsAndRewardsOfOneProcess) {
  SKIP_WITHOUT_GRPO();
  const fs::path one = dir_ / "one", two = dir_ / "two";
  ASSERT_EQ(run(arguments(one), dir_ / "one.txt"), 0) << read_file(dir_ / "one.txt");
  ASSERT_EQ(run(with(arguments(two), {"--nproc-per-node", "2", "--dist-timeout", "60"}), dir_ / "two.txt"), 0)
      << read_file(dir_ / "two.txt");
  const std::string log = read_file(dir_ / "two.txt");
  EXPECT_NE(log.find("data parallel over 2 ranks (gloo)"), std::string::npos) << log;

  EXPECT_GT(max_abs_difference(model_, checkpoint_model(one, 3)), 1e-3) << "the run must change the weights";
  for (int step = 1; step <= 3; ++step) {
    EXPECT_LE(max_abs_difference(checkpoint_model(one, step), checkpoint_model(two, step)), 1e-5)
        << "step " << step;
  }
  const auto rewards = rewards_of(one);
  ASSERT_EQ(rewards.size(), 3u);
  EXPECT_EQ(rewards, rewards_of(two)) << "identical rewards, step by step";
  // Rank 0's completions log gathers every rank's groups: the same file as one process writes.
  for (const auto& entry : fs::directory_iterator(one / "rollouts")) {
    EXPECT_EQ(read_file(entry.path()), read_file(two / "rollouts" / entry.path().filename()))
        << entry.path().filename();
  }
  // The metrics carry what the gradient all-reduce cost.
  EXPECT_NE(read_file(two / "metrics.jsonl").find("\"allreduce_bytes\""), std::string::npos);

  // Resumed after step 2 on 2 ranks, and on 1 rank: the same step 3.
  for (const char* ranks : {"2", "1"}) {
    const fs::path resumed = dir_ / (std::string("resumed-on-") + ranks);
    fs::create_directories(resumed / "checkpoints");
    fs::copy(two / "config.toml", resumed / "config.toml");
    fs::copy(two / "checkpoints" / "step-00000002", resumed / "checkpoints" / "step-00000002",
             fs::copy_options::recursive);
    const fs::path resume_log = dir_ / (std::string("resume-") + ranks + ".txt");
    ASSERT_EQ(run(with(arguments(resumed), {"--resume", "--nproc-per-node", ranks}), resume_log), 0)
        << read_file(resume_log);
    EXPECT_NE(read_file(resume_log).find("at step 2"), std::string::npos) << read_file(resume_log);
    EXPECT_LE(max_abs_difference(checkpoint_model(one, 3), checkpoint_model(resumed, 3)), 1e-5)
        << "resumed on " << ranks << " rank(s)";
    ASSERT_EQ(rewards_of(resumed).size(), 1u);
    EXPECT_EQ(rewards_of(resumed)[0], rewards[2]) << "resumed on " << ranks << " rank(s)";
  }
}

// eval.jsonl's lines without their wall time.
std::vector<nlohmann::json> evaluations_of(const fs::path& run) {
  std::ifstream in(run / "eval.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto json = nlohmann::json::parse(line);
    json.erase(logs::metric::kEvalSeconds);
    lines.push_back(std::move(json));
  }
  return lines;
}

TEST_F(DataParallel, TwoRanksSplitTheEvaluationAndGatherWhatOneProcessFinds) {
  SKIP_WITHOUT_GRPO();
  // 5 held-out problems (shares of 2 and 3), greedy and 2 samples each, before and after one step.
  auto with_evaluation = [&](const fs::path& run) {
    auto arguments = this->arguments(run, "1");
    for (size_t i = 0; i + 1 < arguments.size(); ++i) {
      if (arguments[i] == "--eval-size") arguments[i + 1] = "5";
    }
    return with(arguments, {"--eval-k", "2"});
  };
  const fs::path one = dir_ / "one", two = dir_ / "two";
  ASSERT_EQ(run(with_evaluation(one), dir_ / "one.txt"), 0) << read_file(dir_ / "one.txt");
  ASSERT_EQ(
      run(with(with_evaluation(two), {"--nproc-per-node", "2", "--dist-timeout", "60"}), dir_ / "two.txt"), 0)
      << read_file(dir_ / "two.txt");
  const auto expected = evaluations_of(one), split = evaluations_of(two);
  ASSERT_EQ(expected.size(), 2u) << read_file(one / "eval.jsonl");
  EXPECT_EQ(expected[0].at("n_problems"), 5);
  ASSERT_EQ(split.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(split[i] == expected[i])
        << "evaluation " << i
        << " differs from one process's: " << nlohmann::json::diff(expected[i], split[i]).dump();
  }
  // Both ranks generated: each rank's log names its share.
  EXPECT_NE(read_file(dir_ / "two.txt").find("evaluation over 2 ranks"), std::string::npos)
      << read_file(dir_ / "two.txt");
}

TEST_F(DataParallel, AKilledRankStopsTheOtherWithinTheTimeoutAndTheRunResumes) {
  SKIP_WITHOUT_GRPO();
  const fs::path run_dir = dir_ / "run";
  const int port = free_port();
  auto long_run = with(arguments(run_dir, "100000"), {"--dist-timeout", "20"});
  const pid_t rank0 = spawn(long_run, dir_ / "rank0.txt", rank_environment(0, 2, port));
  const pid_t rank1 = spawn(long_run, dir_ / "rank1.txt", rank_environment(1, 2, port));
  // Kill rank 1 once rank 0 logged two steps (a checkpoint is written after each).
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  auto steps_logged = [&] {
    std::ifstream in(run_dir / "metrics.jsonl");
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  };
  while (Clock::now() < deadline && steps_logged() < 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(rank1, SIGKILL);
  const auto killed = Clock::now();
  EXPECT_EQ(wait_for(rank1), 128 + SIGKILL);
  const int status = wait_for(rank0);
  const auto stopped_after = Clock::now() - killed;
  const std::string output = read_file(dir_ / "rank0.txt");
  EXPECT_NE(status, 0) << output;
  EXPECT_LT(stopped_after, std::chrono::seconds(25)) << output;
  EXPECT_NE(output.find("rank 0 of 2, step "), std::string::npos) << output;
  EXPECT_FALSE(partial_checkpoint_exists(run_dir)) << "no partial checkpoint";
  const auto last = latest_checkpoint(run_dir);
  ASSERT_TRUE(last.has_value()) << output;
  EXPECT_NO_THROW(verify_checkpoint(*last));

  const std::string step = last->filename().string().substr(5);
  const int resumed_to = std::stoi(step) + 1;
  ASSERT_EQ(run(with(arguments(run_dir, std::to_string(resumed_to)), {"--resume", "--nproc-per-node", "2"}),
                dir_ / "resume.txt"),
            0)
      << read_file(dir_ / "resume.txt");
  EXPECT_TRUE(fs::exists(checkpoint_model(run_dir, resumed_to))) << read_file(dir_ / "resume.txt");
}

TEST_F(DataParallel, APortInUseAndAnUnreachableMasterAreOneClearLine) {
  SKIP_WITHOUT_GRPO();
  // A port someone listens on.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int busy = ntohs(address.sin_port);
  const auto start = Clock::now();
  const int in_use = wait_for(spawn(with(arguments(dir_ / "a"), {"--dist-timeout", "5"}), dir_ / "in_use.txt",
                                    rank_environment(0, 2, busy)));
  ::close(fd);
  const std::string in_use_output = read_file(dir_ / "in_use.txt");
  EXPECT_EQ(in_use, 1) << in_use_output;
  EXPECT_NE(in_use_output.find("grpo: error: rank 0 cannot listen on MASTER_PORT " + std::to_string(busy) +
                               " (127.0.0.1:" + std::to_string(busy) + "): the port is in use"),
            std::string::npos)
      << in_use_output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));

  const int nobody = free_port();
  const auto reach_start = Clock::now();
  const int unreachable = wait_for(spawn(with(arguments(dir_ / "b"), {"--dist-timeout", "2"}),
                                         dir_ / "unreachable.txt", rank_environment(1, 2, nobody)));
  const std::string unreachable_output = read_file(dir_ / "unreachable.txt");
  EXPECT_EQ(unreachable, 1) << unreachable_output;
  EXPECT_NE(
      unreachable_output.find("grpo: error: rank 1 of 2 cannot reach the master at MASTER_ADDR:MASTER_PORT "
                              "= 127.0.0.1:" +
                              std::to_string(nobody) + " within --dist-timeout 2 s"),
      std::string::npos)
      << unreachable_output;
  EXPECT_LT(Clock::now() - reach_start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace grpo
