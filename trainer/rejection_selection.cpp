#include "trainer/rejection_selection.h"

#include <set>

#include "core/error.h"

namespace grpo {

KeepRule parse_keep_rule(const std::string& name) {
  if (name == "all-correct") return KeepRule::kAllCorrect;
  if (name == "best") return KeepRule::kBest;
  if (name == "shortest-correct") return KeepRule::kShortestCorrect;
  fail("--keep '{}': expected all-correct, best or shortest-correct", name);
}

bool is_correct(const ScoredSample& sample, double min_score) {
  if (sample.scores.empty()) return false;
  for (const auto& score : sample.scores) {
    if (!score || *score < min_score) return false;
  }
  return true;
}

Selection select_samples(const std::vector<ScoredSample>& samples, KeepRule rule, double min_score) {
  Selection selection;
  std::set<std::string> seen;
  std::vector<size_t> distinct;  // correct samples, first of each text
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!is_correct(samples[i], min_score)) continue;
    ++selection.correct;
    if (seen.insert(samples[i].text).second) {
      distinct.push_back(i);
    } else {
      ++selection.duplicates;
    }
  }
  if (rule == KeepRule::kAllCorrect || distinct.empty()) {
    selection.kept = distinct;
    return selection;
  }
  // The one preferred by the rule; an earlier sample wins a full tie.
  auto better = [&](size_t a, size_t b) {
    const ScoredSample &x = samples[a], &y = samples[b];
    if (rule == KeepRule::kBest) {
      if (x.total != y.total) return x.total > y.total;
      return x.tokens < y.tokens;
    }
    if (x.tokens != y.tokens) return x.tokens < y.tokens;
    return x.total > y.total;
  };
  size_t chosen = distinct.front();
  for (size_t index : distinct) {
    if (better(index, chosen)) chosen = index;
  }
  selection.kept = {chosen};
  return selection;
}

}  // namespace grpo
