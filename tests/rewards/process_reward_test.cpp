// Process rewards: real child processes speaking the JSON-lines protocol. The Python example round trip, and
// processes that crash, hang past the timeout, answer garbage, answer the wrong count, or report an error.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

#include "core/error.h"
#include "error_message.h"
#include "rewards/process_reward.h"
#include "rewards/reward_registry.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

bool have_python() {
  return std::system("command -v python3 >/dev/null 2>&1") == 0;
}

RewardInput make_input(const std::string& completion, const nlohmann::json& row) {
  RewardInput input;
  input.completion = completion;
  input.row = row;
  input.finish_reason = "stop";
  return input;
}

TEST(ProcessReward, PythonExampleRoundTrip) {
  if (!have_python()) GTEST_SKIP() << "python3 is not on PATH";
  std::string script =
      (testing::source_dir() / "examples" / "reward_process" / "closeness_reward.py").string();
  auto reward = make_reward("cmd:python3 '" + script + "'");
  EXPECT_EQ(reward->name(), "cmd:python3 '" + script + "'");
  std::vector<RewardInput> batch = {
      make_input("<answer>10</answer>", {{"answer", "#### 10"}}),
      make_input("<answer>9</answer>", {{"answer", 10}}),
      make_input("<answer>x</answer>", {{"answer", "\\frac{1}{2}"}}),
      make_input("no number", {{"answer", "4"}}),
  };
  for (int round = 0; round < 3; ++round) {  // one long-lived process answers every batch
    auto results = reward->score(batch);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0].score, 1.0);
    EXPECT_EQ(results[0].reason, "exact");
    EXPECT_DOUBLE_EQ(*results[1].score, 0.9);
    EXPECT_EQ(results[1].reason, "off by -1");
    EXPECT_FALSE(results[2].score.has_value());
    EXPECT_EQ(results[3].score, 0.0);
  }
  EXPECT_TRUE(reward->score({}).empty());
}

TEST(ProcessReward, RequestCarriesEveryFieldAndSurvivesHostileText) {
  if (!have_python()) GTEST_SKIP() << "python3 is not on PATH";
  testing::TempDir dir;
  testing::write_text(
      dir / "echo.py",
      "import json, sys\n"
      "for line in sys.stdin:\n"
      "    r = json.loads(line)\n"
      "    assert r['protocol'] == 1\n"
      "    out = [len(i['completion']) + 1000 * sum(i['completion_ids']) for i in r['inputs']]\n"
      "    why = [i['finish_reason'] + '|' + i['prompt'] + '|' + json.dumps(i['row'], sort_keys=True)"
      " for i in r['inputs']]\n"
      "    print(json.dumps({'scores': out, 'reasons': why}), flush=True)\n");
  auto reward = make_reward("cmd:python3 " + (dir / "echo.py").string());
  RewardInput input = make_input(std::string("a\0\nb\xFF", 5), {{"answer", "7"}, {"n", {1, 2}}});
  input.prompt = "P";
  input.completion_ids = {1, 2};
  input.finish_reason = "length";
  RewardInput big =
      make_input(std::string(3 << 20, '{'), nlohmann::json::object());  // 3 MiB: larger than a pipe
  auto results = reward->score({input, big});
  EXPECT_EQ(results[0].score, 5.0 + 3000.0);  // invalid UTF-8 arrives as U+FFFD: still 5 characters
  EXPECT_EQ(results[0].reason, "length|P|{\"answer\": \"7\", \"n\": [1, 2]}");
  EXPECT_EQ(results[1].score, static_cast<double>(3 << 20));
}

TEST(ProcessReward, CrashIsAClearErrorNamingTheReward) {
  auto reward = make_reward("cmd:read line; exit 3");
  std::string message = error_of([&] { reward->score({make_input("x", {})}); });
  EXPECT_NE(message.find("reward process 'read line; exit 3' exited with status 3 before answering"),
            std::string::npos)
      << message;
  auto killed = make_reward("cmd:read line; kill -SEGV $$");
  message = error_of([&] { killed->score({make_input("x", {})}); });
  EXPECT_NE(message.find("was killed by signal 11"), std::string::npos) << message;
  auto missing = make_reward("cmd:no_such_program_for_grpo_tests");
  message = error_of([&] { missing->score({make_input("x", {})}); });
  EXPECT_NE(message.find("exited with status 127 (command not found?)"), std::string::npos) << message;
}

TEST(ProcessReward, HangTimesOutAndTheProcessIsKilled) {
  RewardOptions options;
  options.timeout_seconds = 0.3;
  ProcessReward reward("sleep 60", options.timeout_seconds);
  std::string message = error_of([&] { reward.score({make_input("x", {})}); });
  EXPECT_NE(message.find("reward process 'sleep 60' did not answer within 0.3 s (it was killed)"),
            std::string::npos)
      << message;
}

TEST(ProcessReward, GarbageAnswersAreClearErrors) {
  struct Case {
    const char* command;
    const char* expected;
  };
  std::vector<Case> cases = {
      {"while read l; do echo hello; done", "answered a line that is not JSON: \"hello\""},
      {"while read l; do echo '[1,2]'; done", "answered \"[1,2]\" instead of a JSON object"},
      {"while read l; do echo '{\"score\": [1]}'; done", "answered without a \"scores\" list"},
      {"while read l; do echo '{\"scores\": [1]}'; done", "answered 1 scores for a batch of 2"},
      {"while read l; do echo '{\"scores\": [1, \"high\"]}'; done",
       "answered score \"high\" for completion 1"},
      {"while read l; do echo '{\"scores\": [1, 2], \"reasons\": [\"a\"]}'; done",
       "\"reasons\" that is not a list"},
      {"while read l; do echo '{\"error\": \"model server down\"}'; done",
       "reported an error: \"model server down\""},
      {"while read l; do printf 'no newline'; done", "did not answer within"},
      {"while read l; do echo '{\"scores\": [NaN, 1]}'; done", "JSON has no NaN or Infinity"},
      {"while read l; do echo '{\"scores\": [-Infinity, 1]}'; done", "send null"},
  };
  for (const Case& c : cases) {
    ProcessReward reward(c.command, 0.5);
    std::string message = error_of([&] { reward.score({make_input("x", {}), make_input("y", {})}); });
    EXPECT_NE(message.find(std::string("reward process '") + c.command + "' "), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

TEST(ProcessReward, DefaultScorePolicyWarnsAndARestartedProcessScoresTheNextBatch) {
  testing::TempDir dir;
  // Hangs on its first batch ever (the marker file records that it happened), answers every later one.
  testing::write_text(dir / "hang_once.sh",
                      "if [ -e hung-once ]; then\n"
                      "  while read line; do echo '{\"scores\": [1]}'; done\n"
                      "else\n"
                      "  touch hung-once; sleep 60\n"
                      "fi\n");
  std::string command = "cd '" + dir.path().string() + "' && sh hang_once.sh";
  RewardOptions options;
  options.timeout_seconds = 0.5;
  options.on_failure = RewardFailurePolicy::default_score;
  options.default_score = 0.0;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& message) { warnings.push_back(message); };
  auto reward = make_reward("cmd:" + command, options);
  auto first = reward->score({make_input("x", {})});
  EXPECT_EQ(first[0].score, 0.0);
  EXPECT_NE(first[0].reason.find("did not answer within 0.5 s"), std::string::npos) << first[0].reason;
  ASSERT_EQ(warnings.size(), 1u);
  auto second = reward->score({make_input("x", {})});
  EXPECT_EQ(second[0].score, 1.0);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(LineProcess, KillsTheWholeProcessGroup) {
  LineProcess process("sleep 60 & echo $!; wait");
  pid_t group = process.pid();
  ASSERT_GT(group, 0);
  EXPECT_EQ(::kill(-group, 0), 0);
  process.kill();
  // The group disappears once init has reaped the orphaned background sleep (killed with it); poll for that.
  bool gone = false;
  for (int attempt = 0; attempt < 500 && !gone; ++attempt) {
    gone = ::kill(-group, 0) != 0;
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone) << "the background sleep of the killed process group is still alive";
}

}  // namespace
}  // namespace grpo
