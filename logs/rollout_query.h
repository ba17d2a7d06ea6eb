// Selecting logged completions: filters (step, question, reward range, reason, text) and best/worst rankings,
// read one step file at a time so that a long run never has to fit in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "logs/rollout_record.h"
#include "logs/run_layout.h"

namespace grpo::logs {

struct RolloutFilter {
  std::optional<int64_t> step;
  std::optional<std::string> question_id;
  std::optional<double> min_reward;  // inclusive
  std::optional<double> max_reward;  // inclusive
  std::string reason_contains;       // in any reward's reason; case-insensitive (ASCII)
  std::string text_contains;         // in the completion; case-insensitive (ASCII)
  // A further test from the caller (`grpo logs --chain`: datasets/box_chain.h, which this library cannot
  // use); empty: none.
  std::function<bool(const RolloutRecord&)> also;

  bool matches(const RolloutRecord& record) const;
};

enum class Ranking { in_order, best, worst };

struct RolloutQuery {
  RolloutFilter filter;
  Ranking ranking = Ranking::in_order;
  size_t count = 0;  // best/worst: how many; in_order: at most this many (0: all)
};

struct RolloutQueryResult {
  std::vector<RolloutRecord>
      records;         // in_order: by step, group, sample; best: reward high to low; worst: low to high
  size_t matched = 0;  // records that passed the filter (before best/worst or the count)
  size_t scanned = 0;  // records read
  size_t files_read = 0;
};

// Case-insensitive (ASCII) substring search; an empty needle matches.
bool contains_ignoring_case(std::string_view haystack, std::string_view needle);

RolloutQueryResult run_rollout_query(const std::vector<RolloutFile>& files, const RolloutQuery& query,
                                     std::vector<std::string>& warnings);

}  // namespace grpo::logs
