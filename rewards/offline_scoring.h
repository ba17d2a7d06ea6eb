// Offline scoring for `grpo reward`: reads completions (JSONL) with their dataset rows, scores them in
// batches through a RewardSet, and renders a summary and per-completion lines. File formats: docs/REWARDS.md.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rewards/reward.h"
#include "rewards/reward_set.h"

namespace grpo {

// One JSON object per non-blank line; throws grpo::Error naming file:line on a bad line.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

// Each line of `completions_path`: {"completion": TEXT, "index": N} (row N, 0-based, of `data_path`) or
// {"completion": TEXT, "row": {...}}; optional "prompt" (default: the row's "prompt" when it is text, else
// ""), "completion_ids" (list of integers), "finish_reason" (default "stop"). `data_path` may be empty when
// every line embeds its row.
std::vector<RewardInput> read_completions(const std::filesystem::path& completions_path,
                                          const std::filesystem::path& data_path);

struct OfflineScores {
  std::vector<std::string> names;                  // [R]
  std::vector<double> weights;                     // [R]
  std::vector<std::vector<RewardResult>> results;  // [R][N]
  std::vector<double> totals;                      // [N]
};

OfflineScores score_offline(RewardSet& rewards, const std::vector<RewardInput>& inputs, size_t batch_size);

// A table of each reward's weight, mean, std and applicable count, the total's mean, and each reward's most
// common reasons.
std::string format_summary(const OfflineScores& scores);

// One JSON line per completion: {"index", "total", "scores": {name: score|null}, "reasons": {name: text}}.
std::string format_scores_jsonl(const OfflineScores& scores);

}  // namespace grpo
