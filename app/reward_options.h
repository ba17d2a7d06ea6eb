// The reward options that `grpo train` and `grpo reward` share, added under one set of names by one function,
// over one registry (the built-in rewards and every task's verifier).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "rewards/reward_registry.h"

namespace grpo::app {

struct RewardOptionValues {
  std::vector<std::string>& rewards;  // as given: each may be a comma-separated list (expand_reward_lists)
  std::vector<double>& weights;
  double& timeout_seconds;
  std::string& on_failure;  // stop | default
  double& default_score;
};

// --reward, --reward-weights, --reward-timeout, --reward-failure, --reward-default-score. `default_rewards`
// says what is used when --reward is not given; `group` is their heading in --help. Registers the task
// verifiers, so that every command knows them.
void add_reward_options(CLI::App& command, const RewardOptionValues& values,
                        const std::string& default_rewards, const std::string& group = "Options");

// The --reward values as single specs: "accuracy,format" -> {accuracy, format} (split_reward_list: a "cmd:"
// spec runs to the end of its value).
std::vector<std::string> expand_reward_lists(const std::vector<std::string>& values);

RewardFailurePolicy reward_failure_policy(const std::string& name);  // "stop" | "default"

}  // namespace grpo::app
