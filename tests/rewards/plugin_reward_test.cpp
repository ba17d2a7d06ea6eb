// Plugin rewards: the example plugin (a C shared library built by examples/reward_plugin) loaded with dlopen,
// and misbehaving plugins: failing, hanging past the timeout, NaN scores, wrong ABI version, bad paths and
// names.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "error_message.h"
#include "rewards/plugin_reward.h"
#include "rewards/reward_registry.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

std::string plugin_path(const std::string& name) {
  auto path = testing::binary_dir() / "examples" / "reward_plugin" / ("lib" + name + ".so");
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << path << " is missing: build the plugin targets (grpo_example_reward_plugin, "
                  << "grpo_faulty_reward_plugin, grpo_old_abi_reward_plugin) with GRPO_BUILD_EXAMPLES=ON";
  }
  return path.string();
}

TEST(PluginReward, ParsesSpecs) {
  PluginSpec spec = parse_plugin_spec("build/libx.so:brevity:target=5");
  EXPECT_EQ(spec.path, "build/libx.so");
  EXPECT_EQ(spec.name, "brevity");
  EXPECT_EQ(spec.config, "target=5");
  EXPECT_EQ(parse_plugin_spec("libx.so").name, "");
  EXPECT_EQ(parse_plugin_spec("dir.so:v2/libx.so:a").path, "dir.so");  // the first ".so:" ends the path
}

TEST(PluginReward, ExamplePluginRoundTrip) {
  auto ascii = make_reward("plugin:" + plugin_path("example_reward_plugin") + ":ascii_ratio");
  EXPECT_EQ(ascii->name(), "ascii_ratio");
  std::vector<RewardInput> batch(3);
  batch[0].completion = "abc";
  batch[1].completion = "ab\xE4\xBD\xA0\xE5\xA5\xBD";  // two ASCII letters, two Chinese characters
  batch[2].completion = std::string("123 \0 !?", 8);
  auto results = ascii->score(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].score, 1.0);
  EXPECT_EQ(results[0].reason, "3 ASCII letters, 0 other characters");
  EXPECT_EQ(results[1].score, 0.5);
  EXPECT_FALSE(results[2].score.has_value());
  EXPECT_EQ(results[2].reason, "no letters");

  auto brevity = make_reward("plugin:" + plugin_path("example_reward_plugin") + ":brevity:target=4");
  std::vector<RewardInput> lengths(2);
  lengths[0].completion = "short";
  lengths[0].completion_ids = {1, 2};
  lengths[1].completion = "long";
  lengths[1].completion_ids.assign(16, 3);
  auto scored = brevity->score(lengths);
  EXPECT_EQ(scored[0].score, 1.0);
  EXPECT_EQ(scored[1].score, 0.25);
  EXPECT_EQ(scored[1].reason, "16 tokens, target 4");
  lengths[1].completion_ids.clear();
  EXPECT_NE(
      error_of([&] { brevity->score(lengths); }).find("brevity needs token ids (completion 1 has none)"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              make_reward("plugin:" + plugin_path("example_reward_plugin") + ":brevity:fast");
            }).find("config must be target=N"),
            std::string::npos);
}

TEST(PluginReward, EveryFieldCrossesTheCInterface) {
  auto probe = make_reward("plugin:" + plugin_path("faulty_reward_plugin") + ":probe");
  RewardInput input;
  input.prompt = "Q?";
  input.completion = std::string("a\0b", 3);
  input.completion_ids = {5, 6, 7};
  input.finish_reason = "length";
  input.row = {{"answer", "42"}};
  auto results = probe->score({input, RewardInput{}});
  EXPECT_EQ(results[0].score, 18.0);
  EXPECT_EQ(results[0].reason, "length|2|3|{\"answer\":\"42\"}");
  EXPECT_FALSE(results[1].score.has_value());  // no ids: the probe says not applicable
}

TEST(PluginReward, FailuresAreClearErrorsNamingTheReward) {
  std::string faulty = plugin_path("faulty_reward_plugin");
  std::vector<RewardInput> batch(2);
  std::string failed = error_of([&] { make_reward("plugin:" + faulty + ":fails")->score(batch); });
  EXPECT_NE(failed.find("plugin reward 'fails'"), std::string::npos) << failed;
  EXPECT_NE(failed.find("(status 7): cannot score 2 completions: the verifier is offline"), std::string::npos)
      << failed;

  std::string nan = error_of([&] { make_reward("plugin:" + faulty + ":nan")->score(batch); });
  EXPECT_NE(nan.find("plugin reward 'nan'"), std::string::npos) << nan;
  EXPECT_NE(nan.find("non-finite score (nan) for completion 1"), std::string::npos) << nan;

  std::string config = error_of([&] { make_reward("plugin:" + faulty + ":bad_config:speed=11"); });
  EXPECT_NE(config.find("could not start with config \"speed=11\": unknown setting \"speed=11\""),
            std::string::npos)
      << config;

  std::string unknown = error_of([&] { make_reward("plugin:" + faulty + ":nope"); });
  EXPECT_NE(unknown.find("has no reward named 'nope'; it has: probe, fails, hangs, nan, bad_config"),
            std::string::npos)
      << unknown;
  std::string ambiguous = error_of([&] { make_reward("plugin:" + faulty); });
  EXPECT_NE(ambiguous.find("has 5 rewards"), std::string::npos) << ambiguous;

  std::string old_abi =
      error_of([&] { make_reward("plugin:" + plugin_path("old_abi_reward_plugin") + ":probe"); });
  EXPECT_NE(old_abi.find("plugin ABI version 0, this grpo speaks version 1"), std::string::npos) << old_abi;

  std::string missing = error_of([&] { make_reward("plugin:/nonexistent/libnothing.so:x"); });
  EXPECT_NE(missing.find("cannot load '/nonexistent/libnothing.so'"), std::string::npos) << missing;

  std::string not_plugin = error_of([&] { make_reward("plugin:libm.so.6"); });
  EXPECT_NE(not_plugin.find("is not a grpo reward plugin"), std::string::npos) << not_plugin;
}

TEST(PluginReward, AHangingPluginTimesOutAndIsNotCalledAgain) {
  RewardOptions options;
  options.timeout_seconds = 0.2;
  auto hangs = make_reward("plugin:" + plugin_path("faulty_reward_plugin") + ":hangs", options);
  std::vector<RewardInput> batch(1);
  std::string first = error_of([&] { hangs->score(batch); });
  EXPECT_NE(first.find("plugin reward 'hangs'"), std::string::npos) << first;
  EXPECT_NE(first.find("did not finish a batch of 1 within 0.2 s"), std::string::npos) << first;
  std::string second = error_of([&] { hangs->score(batch); });
  EXPECT_NE(second.find("did not finish an earlier batch"), std::string::npos) << second;
}

size_t thread_count() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

// The timed-out call is cancelled where it waits (the plugin sleeps) and its thread ends: nothing is left
// running in the trainer, even under the default-score policy that keeps the run going.
TEST(PluginReward, ATimedOutCallIsCancelledAndLeavesNoThreadBehind) {
  RewardOptions options;
  options.timeout_seconds = 0.2;
  options.on_failure = RewardFailurePolicy::default_score;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& message) { warnings.push_back(message); };
  auto hangs = make_reward("plugin:" + plugin_path("faulty_reward_plugin") + ":hangs", options);
  const size_t before = thread_count();
  std::vector<RewardInput> batch(2);
  std::vector<RewardResult> results = hangs->score(batch);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("its call was cancelled"), std::string::npos) << warnings[0];
  EXPECT_EQ(thread_count(), before);
  hangs.reset();  // unloading after a cancelled call skips destroy() and must not crash
}

TEST(PluginReward, DefaultScorePolicyWarnsAndContinues) {
  RewardOptions options;
  options.on_failure = RewardFailurePolicy::default_score;
  options.default_score = -0.5;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& message) { warnings.push_back(message); };
  auto fails = make_reward("plugin:" + plugin_path("faulty_reward_plugin") + ":fails", options);
  auto results = fails->score(std::vector<RewardInput>(3));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    EXPECT_EQ(result.score, -0.5);
    EXPECT_NE(result.reason.find("reward failed: plugin reward 'fails'"), std::string::npos) << result.reason;
  }
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("reward 'fails' failed; 3 completions get the default score -0.5"),
            std::string::npos)
      << warnings[0];
}

}  // namespace
}  // namespace grpo
