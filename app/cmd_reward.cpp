// `grpo reward`: scores completions offline with any rewards (built-in, plugin or process) and prints a
// summary, so a reward can be tried before training with it.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "app/reward_options.h"
#include "core/error.h"
#include "core/files.h"
#include "rewards/offline_scoring.h"
#include "rewards/reward_registry.h"
#include "rewards/reward_set.h"

namespace grpo::app {
namespace {

struct RewardCommandOptions {
  std::vector<std::string> rewards;
  std::vector<double> weights;
  std::string completions;
  std::string data;
  std::string output;
  size_t batch_size = 64;
  double timeout_seconds = 120;
  std::string failure = "stop";
  double default_score = 0;
  bool list = false;
};

void run_reward_command(const RewardCommandOptions& options, const GlobalOptions& global) {
  if (options.list) {
    for (const auto& reward : known_rewards()) fmt::print("{:<12} {}\n", reward.name, reward.description);
    return;
  }
  if (options.rewards.empty())
    fail("grpo reward: name the rewards with --reward (e.g. --reward accuracy,format)");
  if (options.completions.empty())
    fail("grpo reward: give the completions file with --completions FILE.jsonl");
  const std::vector<std::string> specs = expand_reward_lists(options.rewards);
  RewardOptions reward_options;
  reward_options.timeout_seconds = options.timeout_seconds;
  reward_options.on_failure = reward_failure_policy(options.failure);
  reward_options.default_score = options.default_score;

  std::vector<RewardInput> inputs = read_completions(options.completions, options.data);
  RewardSet rewards = RewardSet::from_specs(specs, options.weights, reward_options);
  OfflineScores scores = score_offline(rewards, inputs, options.batch_size);
  fmt::print("{}", format_summary(scores));
  if (!options.output.empty()) {
    write_file_atomically(options.output, format_scores_jsonl(scores));
    if (!global.quiet) fmt::print("per-completion scores written to {}\n", options.output);
  }
}

void add_reward_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<RewardCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "reward",
      "Score completions offline with any rewards and print a summary (try a custom reward before "
      "training).\n"
      "Completions: one JSON object a line with \"completion\" and \"index\" (row of --data) or \"row\"; see "
      "docs/REWARDS.md.");
  add_reward_options(*command,
                     {options->rewards, options->weights, options->timeout_seconds, options->failure,
                      options->default_score},
                     "none: name them");
  command->add_option("--completions", options->completions, "Completions JSONL file");
  command->add_option("--data", options->data,
                      "Dataset JSONL whose rows the completions' \"index\" refers to");
  command->add_option("--output", options->output, "Write per-completion scores and reasons here (JSONL)");
  command->add_option("--batch-size", options->batch_size, "Completions per reward call")
      ->check(CLI::PositiveNumber);
  command->add_flag("--list", options->list, "List the known rewards and exit");
  command->callback([options, &context] {
    context.action = [options, &context] { run_reward_command(*options, context.global); };
  });
}

}  // namespace

static const CommandRegistration registration{"reward", 60, add_reward_command};

}  // namespace grpo::app
