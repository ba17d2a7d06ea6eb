// The reward interface: what a reward function receives for each completion and what it returns.
// Users implement RewardFunction in C++ (and register it, see reward_registry.h), or wrap a C plugin or a
// process in any language (see docs/REWARDS.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grpo {

// One completion to score.
struct RewardInput {
  std::string prompt;
  std::string completion;  // untrusted model output: any bytes (invalid UTF-8, NUL bytes, megabytes)
  std::vector<int64_t> completion_ids;
  std::string finish_reason;  // "eos" | "stop" | "length"
  nlohmann::json row;         // the whole dataset row (gold answer field and every other column)
};

// score == std::nullopt: "not applicable" to this completion (it then counts as 0 in the weighted total and
// is left out of this reward's mean and std). `reason` is a short note kept in the logs ("expected 42, got
// 41").
struct RewardResult {
  std::optional<double> score;
  std::string reason;
};

class RewardFunction {
 public:
  virtual ~RewardFunction() = default;
  virtual std::string name() const = 0;
  // Returns exactly one result per input, in order. Throws grpo::Error when it cannot score at all.
  // Called from one thread at a time.
  virtual std::vector<RewardResult> score(const std::vector<RewardInput>& batch) = 0;
};

}  // namespace grpo
