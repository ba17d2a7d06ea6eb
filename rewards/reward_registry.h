// Reward functions by name: make_reward("accuracy"), make_reward("format:lenient"),
// make_reward("plugin:./libmine.so:brevity"), make_reward("cmd:python3 my_reward.py"); C++ users add their
// own with register_reward. An unknown name lists the known ones.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rewards/reward.h"

namespace grpo {

enum class RewardFailurePolicy {
  stop,           // a failing plugin or process reward stops the run with its error (default)
  default_score,  // its completions get default_score, and a warning is printed
};

struct RewardOptions {
  double timeout_seconds =
      120;  // plugin and process rewards: the longest one batch may take (<= 0: no limit)
  RewardFailurePolicy on_failure = RewardFailurePolicy::stop;
  double default_score = 0.0;
  // Where warnings go (default: one line on stderr).
  std::function<void(const std::string&)> warn;
};

// Builds a reward from its factory: `argument` is the spec's text after the first ':' ("" when none).
using RewardFactory =
    std::function<std::unique_ptr<RewardFunction>(const std::string& argument, const RewardOptions& options)>;

// Adds (or replaces) a named reward. Thread-safe. Call it before make_reward, e.g. from the code that sets up
// a dataset's task: register_reward("box_stacking", [](auto&, auto&) { return
// std::make_unique<BoxStacking>(); });
void register_reward(const std::string& name, RewardFactory factory, const std::string& description = "");

// "name" or "name:argument". Throws grpo::Error for an unknown name (listing the known ones) or bad options.
std::unique_ptr<RewardFunction> make_reward(const std::string& spec, const RewardOptions& options = {});

struct RewardDescription {
  std::string name;
  std::string description;
};
std::vector<RewardDescription> known_rewards();  // sorted by name, built-ins included
std::vector<std::string> known_reward_names();

// Splits a comma-separated list of specs: "accuracy,format:lenient". A "cmd:" spec runs to the end of the
// text (its command may contain commas), so put it last or give it on its own.
std::vector<std::string> split_reward_list(const std::string& list);

// Static registration from a file of your own executable:
//   static const grpo::RewardRegistration registration{"mine", factory, "what it scores"};
// (In a static library an unreferenced object file is dropped by the linker: call register_reward from code
// that runs instead.)
struct RewardRegistration {
  RewardRegistration(const std::string& name, RewardFactory factory, const std::string& description = "") {
    register_reward(name, std::move(factory), description);
  }
};

}  // namespace grpo
