// Rewards computed by a long-lived process in any language (--reward "cmd:python3 my_reward.py"): one JSON
// line per batch on its stdin, one JSON line of scores back on its stdout. docs/REWARDS.md specifies the
// protocol.
#pragma once

#include <memory>
#include <string>

#include "rewards/line_process.h"
#include "rewards/reward.h"

namespace grpo {

constexpr int kRewardProcessProtocol = 1;

// The request line for a batch: {"protocol":1,"inputs":[{"prompt","completion","completion_ids",
// "finish_reason","row"},...]}. Invalid UTF-8 in any text becomes U+FFFD.
std::string make_reward_request(const std::vector<RewardInput>& batch);

// Reads a reply line for a batch of `count`; throws grpo::Error saying what is wrong with it.
std::vector<RewardResult> parse_reward_reply(const std::string& reply, size_t count);

class ProcessReward : public RewardFunction {
 public:
  // Starts the process now. Each batch must be answered within timeout_seconds (<= 0: no limit). After a
  // failure the process is killed and the next batch starts a fresh one.
  ProcessReward(std::string command, double timeout_seconds);
  std::string name() const override { return "cmd:" + command_; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;

 private:
  std::string command_;
  double timeout_seconds_;
  std::unique_ptr<LineProcess> process_;
};

}  // namespace grpo
