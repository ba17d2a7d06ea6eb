// Reward functions from a shared library with the C interface of grpo_reward_plugin.h, loaded with dlopen.
#pragma once

#include <memory>
#include <string>

#include "rewards/reward.h"

namespace grpo {

struct PluginSpec {
  std::string path;    // the shared library
  std::string name;    // which of its rewards ("" when it has exactly one)
  std::string config;  // passed to the plugin's create()
};

// "path/libmine.so:name:config" -> parts; the path ends at the first ".so" followed by ':' (or is
// everything).
PluginSpec parse_plugin_spec(const std::string& argument);

class PluginReward : public RewardFunction {
 public:
  // Loads the library and creates the reward; throws grpo::Error naming the path and what is wrong.
  // A score() call that takes longer than timeout_seconds (<= 0: no limit) fails, and the plugin is not
  // called again: its thread is cancelled (it ends at its next cancellation point: sleep, I/O, a wait) and
  // joined, and destroy() is skipped. Only a call that computes without ever reaching one is left running.
  PluginReward(const PluginSpec& spec, double timeout_seconds);
  ~PluginReward() override;
  std::string name() const override { return name_; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;

  struct Loaded;  // the open library, the chosen plugin and its state (shared with a call still running)

 private:
  std::string name_;
  std::string path_;
  double timeout_seconds_;
  std::shared_ptr<Loaded> loaded_;
  bool hung_ = false;
};

}  // namespace grpo
