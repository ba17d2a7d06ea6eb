#include "logs/rollout_query.h"

#include <algorithm>
#include <cmath>

#include "logs/run_reader.h"

namespace grpo::logs {

namespace {
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Higher reward first; NaN last; ties in log order.
bool better(const RolloutRecord& a, const RolloutRecord& b) {
  bool a_nan = std::isnan(a.reward), b_nan = std::isnan(b.reward);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.reward != b.reward) return a.reward > b.reward;
  if (a.step != b.step) return a.step < b.step;
  if (a.group != b.group) return a.group < b.group;
  return a.sample < b.sample;
}

bool worse(const RolloutRecord& a, const RolloutRecord& b) {
  bool a_nan = std::isnan(a.reward), b_nan = std::isnan(b.reward);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.reward != b.reward) return a.reward < b.reward;
  if (a.step != b.step) return a.step < b.step;
  if (a.group != b.group) return a.group < b.group;
  return a.sample < b.sample;
}
}  // namespace

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto found = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                           [](char a, char b) { return lower(a) == lower(b); });
  return found != haystack.end();
}

bool RolloutFilter::matches(const RolloutRecord& record) const {
  if (step && record.step != *step) return false;
  if (question_id && record.question_id != *question_id) return false;
  if (min_reward && !(record.reward >= *min_reward)) return false;
  if (max_reward && !(record.reward <= *max_reward)) return false;
  if (!text_contains.empty() && !contains_ignoring_case(record.completion, text_contains)) return false;
  if (also && !also(record)) return false;
  if (!reason_contains.empty()) {
    bool any = std::any_of(record.rewards.begin(), record.rewards.end(), [&](const RewardVerdict& verdict) {
      return contains_ignoring_case(verdict.reason, reason_contains);
    });
    if (!any) return false;
  }
  return true;
}

RolloutQueryResult run_rollout_query(const std::vector<RolloutFile>& files, const RolloutQuery& query,
                                     std::vector<std::string>& warnings) {
  RolloutQueryResult result;
  auto order = query.ranking == Ranking::best ? better : worse;
  for (const auto& file : files) {
    if (query.filter.step && file.step != *query.filter.step) continue;
    std::vector<RolloutRecord> records = read_rollout_file(file, warnings);
    ++result.files_read;
    result.scanned += records.size();
    for (auto& record : records) {
      if (!query.filter.matches(record)) continue;
      ++result.matched;
      bool keep_all = query.ranking != Ranking::in_order || query.count == 0;
      if (keep_all || result.records.size() < query.count) result.records.push_back(std::move(record));
    }
    // Rankings keep only the best `count` so far, so memory stays bounded by one file plus `count`.
    if (query.ranking != Ranking::in_order && result.records.size() > query.count) {
      std::partial_sort(result.records.begin(), result.records.begin() + static_cast<ptrdiff_t>(query.count),
                        result.records.end(), order);
      result.records.resize(query.count);
    }
  }
  if (query.ranking != Ranking::in_order) std::sort(result.records.begin(), result.records.end(), order);
  return result;
}

}  // namespace grpo::logs
