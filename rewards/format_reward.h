// The R1-Zero format rewards: `format` (one <think>...</think> block at the start, then <answer>...</answer>;
// strict, lenient and TRL-style think-only modes) and `tag_count` (0.25 per tag present exactly once).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "rewards/reward.h"

namespace grpo {

enum class FormatMode {
  strict,   // WS <think> T </think> WS <answer> A </answer> WS: only whitespace outside the blocks
  lenient,  // WS <think> T </think> X <answer> A </answer> Y: any text (without the four tags) in X and Y
  think,    // WS <think> T </think> Y: TRL's think format; Y may hold anything but think tags
};

struct FormatVerdict {
  bool ok = false;
  std::string reason;  // "ok", "no </think>", "text before <think>", "more than one <think>", ...
};

// Checks `completion` as continuing `prompt`: when the prompt ends with "<think>" (ignoring trailing
// whitespace), as R1-Zero's template does, the completion is read as if it began with that tag.
FormatVerdict check_format(std::string_view prompt, std::string_view completion, FormatMode mode);

class FormatReward : public RewardFunction {
 public:
  explicit FormatReward(FormatMode mode) : mode_(mode) {}
  std::string name() const override;
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;

 private:
  FormatMode mode_;
};

// 0.25 for each of <think>, </think>, <answer>, </answer> that appears exactly once (the prompt's trailing
// <think> counts, as above).
class TagCountReward : public RewardFunction {
 public:
  std::string name() const override { return "tag_count"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override;
};

std::unique_ptr<RewardFunction> make_format_reward(
    const std::string& argument);  // "", "strict", "lenient", "think"
std::unique_ptr<RewardFunction> make_tag_count_reward(const std::string& argument);

}  // namespace grpo
