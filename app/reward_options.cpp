#include "app/reward_options.h"

#include "datasets/task_rewards.h"

namespace grpo::app {

void add_reward_options(CLI::App& command, const RewardOptionValues& values,
                        const std::string& default_rewards, const std::string& group) {
  register_task_rewards();
  std::string names;
  for (const std::string& name : known_reward_names()) names += (names.empty() ? "" : ", ") + name;
  command.add_option("--reward", values.rewards,
                     "Rewards, comma-separated or repeated (default: " + default_rewards + "): " + names +
                         "; with options (format:lenient, overlong:max=N:cache=N), plugin:lib.so:NAME, "
                         "\"cmd:python3 my_reward.py\" (see docs/REWARDS.md; `grpo reward --list`)");
  command.add_option("--reward-weights", values.weights, "One weight per reward, in order (default: 1 each)")
      ->delimiter(',');
  command
      .add_option("--reward-timeout", values.timeout_seconds,
                  "Seconds a plugin or process reward may take for one batch (0: no limit)")
      ->capture_default_str();
  command
      .add_option(
          "--reward-failure", values.on_failure,
          "When a plugin or process reward fails: stop, or give its completions --reward-default-score "
          "with a warning")
      ->check(CLI::IsMember({"stop", "default"}))
      ->capture_default_str();
  command
      .add_option("--reward-default-score", values.default_score,
                  "The score given with --reward-failure default")
      ->capture_default_str();
  for (const char* name :
       {"--reward", "--reward-weights", "--reward-timeout", "--reward-failure", "--reward-default-score"}) {
    command.get_option(name)->group(group);
  }
}

std::vector<std::string> expand_reward_lists(const std::vector<std::string>& values) {
  std::vector<std::string> specs;
  for (const std::string& list : values) {
    for (std::string& spec : split_reward_list(list)) specs.push_back(std::move(spec));
  }
  return specs;
}

RewardFailurePolicy reward_failure_policy(const std::string& name) {
  return name == "default" ? RewardFailurePolicy::default_score : RewardFailurePolicy::stop;
}

}  // namespace grpo::app
