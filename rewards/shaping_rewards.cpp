#include "rewards/shaping_rewards.h"

#include <fmt/format.h>

#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "rewards/spec_arguments.h"
#include "rewards/text_scan.h"

namespace grpo {

OverlongReward::OverlongReward(int64_t max_tokens, int64_t cache_tokens)
    : max_tokens_(max_tokens), cache_tokens_(cache_tokens) {
  if (max_tokens <= 0)
    fail("reward 'overlong': max={} must be > 0 (the maximum completion length in tokens)", max_tokens);
  if (cache_tokens <= 0 || cache_tokens > max_tokens) {
    fail("reward 'overlong': cache={} must be in 1..max ({})", cache_tokens, max_tokens);
  }
}

double OverlongReward::penalty(int64_t length, int64_t max_tokens, int64_t cache_tokens) {
  int64_t expected = max_tokens - cache_tokens;
  if (length <= expected) return 0.0;
  if (length <= max_tokens) return static_cast<double>(expected - length) / static_cast<double>(cache_tokens);
  return -1.0;
}

std::vector<RewardResult> OverlongReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) {
    auto length = static_cast<int64_t>(input.completion_ids.size());
    if (length == 0 && !input.completion.empty()) {
      results.push_back({std::nullopt, "no token ids"});
      continue;
    }
    results.push_back({penalty(length, max_tokens_, cache_tokens_), fmt::format("{} tokens", length)});
  }
  return results;
}

RepetitionReward::RepetitionReward(int64_t ngram, double penalty) : ngram_(ngram), penalty_(penalty) {
  if (ngram < 1 || ngram > 64) fail("reward 'repetition': n={} must be in 1..64", ngram);
  if (penalty > 0)
    fail("reward 'repetition': penalty={} must be <= 0 (it is the score of a fully repeated text)", penalty);
}

double RepetitionReward::repeated_fraction(std::string_view text, int64_t ngram) {
  // Words joined by single spaces in one buffer, so each n-gram is one contiguous view of it.
  std::string words;
  words.reserve(text.size());
  std::vector<size_t> starts;
  std::vector<size_t> ends;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text::is_space(text[i])) ++i;
    if (i >= text.size()) break;
    if (!words.empty()) words += ' ';
    starts.push_back(words.size());
    while (i < text.size() && !text::is_space(text[i])) words += text::to_lower_ascii(text[i++]);
    ends.push_back(words.size());
  }
  auto n = static_cast<size_t>(ngram);
  if (starts.size() < n) return 0.0;
  size_t total = starts.size() - n + 1;
  std::unordered_set<std::string_view> distinct;
  distinct.reserve(total);
  std::string_view all(words);
  for (size_t k = 0; k < total; ++k) distinct.insert(all.substr(starts[k], ends[k + n - 1] - starts[k]));
  return 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(total);
}

std::vector<RewardResult> RepetitionReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) {
    double repeated = repeated_fraction(input.completion, ngram_);
    results.push_back(
        {penalty_ * repeated, fmt::format("{:.0f}% of {}-grams repeated", 100 * repeated, ngram_)});
  }
  return results;
}

std::unique_ptr<RewardFunction> make_overlong_reward(const std::string& argument) {
  SpecArguments arguments("overlong", argument);
  auto max_tokens = arguments.get_int("max", 0);
  auto cache_tokens = arguments.get_int("cache", 0);
  arguments.check_all_used({"max", "cache"});
  if (max_tokens == 0 || cache_tokens == 0 || !arguments.words().empty()) {
    fail(
        "reward 'overlong' needs max=TOKENS:cache=TOKENS (e.g. overlong:max=1024:cache=256): the maximum "
        "completion length and the soft-punishment buffer before it");
  }
  return std::make_unique<OverlongReward>(max_tokens, cache_tokens);
}

std::unique_ptr<RewardFunction> make_repetition_reward(const std::string& argument) {
  SpecArguments arguments("repetition", argument);
  auto ngram = arguments.get_int("n", 3);
  double penalty = arguments.get_double("penalty", -1.0);
  arguments.check_all_used({"n", "penalty"});
  if (!arguments.words().empty()) fail("reward 'repetition': unknown option '{}'", arguments.words().front());
  return std::make_unique<RepetitionReward>(ngram, penalty);
}

}  // namespace grpo
