// Shaping rewards: DAPO's soft overlong punishment (`overlong`) and an n-gram repetition penalty
// (`repetition`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rewards/reward.h"

namespace grpo {

// DAPO: with L = completion tokens, 0 when L <= max - cache, (max - cache - L) / cache when
// max - cache < L <= max, and -1 beyond max. Not applicable when a non-empty completion comes without ids.
class OverlongReward : public RewardFunction {
 public:
  OverlongReward(int64_t max_tokens, int64_t cache_tokens);
  std::string name() const override { return "overlong"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
  static double penalty(int64_t length, int64_t max_tokens, int64_t cache_tokens);

 private:
  int64_t max_tokens_;
  int64_t cache_tokens_;
};

// penalty * (1 - distinct n-grams / n-grams), over the completion's words (split at ASCII whitespace,
// ASCII-lower-cased); 0 when it has fewer than n words. penalty <= 0.
class RepetitionReward : public RewardFunction {
 public:
  RepetitionReward(int64_t ngram, double penalty);
  std::string name() const override { return "repetition"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
  static double repeated_fraction(std::string_view text, int64_t ngram);

 private:
  int64_t ngram_;
  double penalty_;
};

std::unique_ptr<RewardFunction> make_overlong_reward(const std::string& argument);    // max=N:cache=N
std::unique_ptr<RewardFunction> make_repetition_reward(const std::string& argument);  // n=3:penalty=-1

}  // namespace grpo
