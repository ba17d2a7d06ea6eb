#include "rewards/reward_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "core/error.h"
#include "rewards/accuracy_reward.h"
#include "rewards/countdown_reward.h"
#include "rewards/fallback_reward.h"
#include "rewards/format_reward.h"
#include "rewards/plugin_reward.h"
#include "rewards/process_reward.h"
#include "rewards/shaping_rewards.h"

namespace grpo {

namespace {

struct Entry {
  RewardFactory factory;
  std::string description;
};

// External code (plugins, processes) may fail at run time; with RewardFailurePolicy::default_score it is
// wrapped.
std::unique_ptr<RewardFunction> guard_external(std::unique_ptr<RewardFunction> reward,
                                               const RewardOptions& options) {
  if (options.on_failure != RewardFailurePolicy::default_score) return reward;
  auto warn = options.warn;
  if (!warn)
    warn = [](const std::string& message) { std::fprintf(stderr, "grpo: warning: %s\n", message.c_str()); };
  return std::make_unique<FallbackReward>(std::move(reward), options.default_score, std::move(warn));
}

std::map<std::string, Entry> builtin_rewards() {
  std::map<std::string, Entry> entries;
  auto plain = [](std::unique_ptr<RewardFunction> (*make)(const std::string&)) {
    return [make](const std::string& argument, const RewardOptions&) { return make(argument); };
  };
  entries["accuracy"] = {
      plain(make_accuracy_reward),
      "1 if the final answer matches the row's gold answer; options field=, order=, tolerance=, "
      "exact"};
  entries["format"] = {
      plain(make_format_reward),
      "1 for <think>...</think><answer>...</answer>; modes strict (default), lenient, think"};
  entries["tag_count"] = {plain(make_tag_count_reward), "0.25 per think/answer tag present exactly once"};
  entries["countdown"] = {plain(make_countdown_reward),
                          "1 if the answer's equation uses each number once and reaches the target"};
  entries["overlong"] = {plain(make_overlong_reward),
                         "DAPO soft overlong punishment; needs max=TOKENS:cache=TOKENS"};
  entries["repetition"] = {plain(make_repetition_reward),
                           "n-gram repetition penalty; options n=3, penalty=-1"};
  entries["plugin"] = {
      [](const std::string& argument, const RewardOptions& options) {
        return guard_external(
            std::make_unique<PluginReward>(parse_plugin_spec(argument), options.timeout_seconds), options);
      },
      "a C plugin: plugin:path/to/lib.so[:NAME[:CONFIG]]"};
  entries["cmd"] = {[](const std::string& argument, const RewardOptions& options) {
                      return guard_external(
                          std::make_unique<ProcessReward>(argument, options.timeout_seconds), options);
                    },
                    "a process speaking JSON lines: \"cmd:python3 my_reward.py\""};
  return entries;
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, Entry> entries = builtin_rewards();
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_reward(const std::string& name, RewardFactory factory, const std::string& description) {
  if (name.empty() || name.find_first_of(":,") != std::string::npos) {
    fail("register_reward: the name '{}' must be non-empty and contain no ':' or ','", name);
  }
  if (!factory) fail("register_reward: reward '{}' has no factory", name);
  Registry& instance = registry();
  std::lock_guard<std::mutex> lock(instance.mutex);
  instance.entries[name] = {std::move(factory), description};
}

std::unique_ptr<RewardFunction> make_reward(const std::string& spec, const RewardOptions& options) {
  size_t colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  std::string argument = colon == std::string::npos ? "" : spec.substr(colon + 1);
  RewardFactory factory;
  {
    Registry& instance = registry();
    std::lock_guard<std::mutex> lock(instance.mutex);
    auto it = instance.entries.find(name);
    if (it != instance.entries.end()) factory = it->second.factory;
  }
  if (!factory) {
    fail("unknown reward '{}' (from spec '{}'); known rewards: {}", name, spec,
         fmt::format("{}", fmt::join(known_reward_names(), ", ")));
  }
  std::unique_ptr<RewardFunction> reward = factory(argument, options);
  if (!reward) fail("reward '{}': its factory returned nothing", name);
  return reward;
}

std::vector<RewardDescription> known_rewards() {
  Registry& instance = registry();
  std::lock_guard<std::mutex> lock(instance.mutex);
  std::vector<RewardDescription> out;
  for (const auto& [name, entry] : instance.entries) out.push_back({name, entry.description});
  return out;
}

std::vector<std::string> known_reward_names() {
  std::vector<std::string> names;
  for (const auto& reward : known_rewards()) names.push_back(reward.name);
  return names;
}

std::vector<std::string> split_reward_list(const std::string& list) {
  std::vector<std::string> specs;
  size_t start = 0;
  while (start < list.size()) {
    size_t first = list.find_first_not_of(" \t", start);
    if (first == std::string::npos) break;
    if (list.compare(first, 4, "cmd:") == 0) {
      specs.push_back(list.substr(first));
      break;
    }
    size_t comma = list.find(',', first);
    if (comma == std::string::npos) comma = list.size();
    std::string spec = list.substr(first, comma - first);
    while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.pop_back();
    if (!spec.empty()) specs.push_back(spec);
    start = comma + 1;
  }
  return specs;
}

}  // namespace grpo
