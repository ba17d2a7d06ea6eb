#include "trainer/step_metrics.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/statistics.h"
#include "datasets/box_chain.h"
#include "logs/metric_names.h"

namespace grpo {

namespace metric = logs::metric;
using nlohmann::json;

namespace {

// JSON cannot hold NaN: statistics that do not exist are written as null.
json number_or_null(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

}  // namespace

json rollout_metrics(const std::vector<RolloutGroup>& groups, const Advantages& advantages,
                     double frac_zero_std, const RewardSet& rewards, RewardRoles roles) {
  std::vector<double> totals, lengths;
  int64_t truncated = 0, generated = 0;
  for (const auto& group : groups) {
    totals.insert(totals.end(), group.totals.begin(), group.totals.end());
    for (const auto& completion : group.completions) {
      lengths.push_back(static_cast<double>(completion.token_ids.size()));
      truncated += completion.finish_reason == FinishReason::kLength;
      generated += static_cast<int64_t>(completion.token_ids.size());
    }
  }
  json metrics = {
      {metric::kReward, mean_of(totals)},
      {metric::kRewardStd, advantages.mean_group_std},
      {metric::kRewardBatchStd, advantages.batch_std},
      {metric::kFracRewardZeroStd, frac_zero_std},
      {metric::kMeanLength, mean_of(lengths)},
      {metric::kMinLength, lengths.empty() ? 0.0 : *std::min_element(lengths.begin(), lengths.end())},
      {metric::kMaxLength, lengths.empty() ? 0.0 : *std::max_element(lengths.begin(), lengths.end())},
      {metric::kClippedRatio,
       lengths.empty() ? 0.0 : static_cast<double>(truncated) / static_cast<double>(lengths.size())},
      {metric::kNumTokens, generated}};
  for (size_t r = 0; r < rewards.size(); ++r) {
    std::vector<RewardResult> all;
    for (const auto& group : groups) all.insert(all.end(), group.results[r].begin(), group.results[r].end());
    auto stats = summarize_results(rewards.names()[r], rewards.weights()[r], all);
    metrics[metric::reward_mean(stats.name)] = number_or_null(stats.mean);
    metrics[metric::reward_std(stats.name)] = number_or_null(stats.std);
    if (static_cast<int>(r) == roles.accuracy) metrics[metric::kAccuracy] = number_or_null(stats.mean);
    if (static_cast<int>(r) == roles.format) metrics[metric::kFormatRate] = number_or_null(stats.mean);
  }
  return metrics;
}

json reasoning_metrics(const std::vector<RolloutGroup>& groups, RewardRoles roles,
                       const std::function<std::string(const Completion&)>& completion_text) {
  ReasoningTally tally;
  for (const auto& group : groups) {
    for (size_t g = 0; g < group.completions.size(); ++g) {
      std::optional<bool> correct;
      if (roles.accuracy >= 0 && static_cast<size_t>(roles.accuracy) < group.results.size()) {
        const auto& score = group.results[static_cast<size_t>(roles.accuracy)][g].score;
        if (score) correct = *score >= 1.0 - 1e-9;
      }
      tally.add(completion_text(group.completions[g]), group.example.row, correct);
    }
  }
  return tally.completions == 0 ? json::object() : tally.to_json();
}

std::vector<logs::RolloutRecord> rollout_records(
    const std::vector<RolloutGroup>& groups, const Advantages& advantages, const RewardSet& rewards,
    const std::function<std::string(const Completion&)>& completion_text) {
  std::vector<logs::RolloutRecord> records;
  size_t index = 0;
  for (size_t q = 0; q < groups.size(); ++q) {
    const auto& group = groups[q];
    for (size_t g = 0; g < group.completions.size(); ++g, ++index) {
      const auto& completion = group.completions[g];
      logs::RolloutRecord record;
      record.question_id = group.example.id;
      record.question = group.example.question;
      record.gold = group.example.answer;
      record.group = static_cast<int>(q);
      record.sample = static_cast<int>(g);
      record.completion = completion_text(completion);
      for (size_t r = 0; r < group.results.size(); ++r) {
        record.rewards.push_back({rewards.names()[r], group.results[r][g].score, group.results[r][g].reason});
      }
      record.reward = group.totals[g];
      record.advantage = advantages.values[index];
      record.length = static_cast<int64_t>(completion.token_ids.size());
      record.finish_reason = finish_reason_name(completion.finish_reason);
      records.push_back(std::move(record));
    }
  }
  return records;
}

}  // namespace grpo
