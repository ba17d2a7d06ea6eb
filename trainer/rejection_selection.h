// Rejection sampling's choice among one question's k scored samples: a sample is correct when every reward
// scores it at least `min_score` (a reward that does not apply rejects it); duplicates (the same text) are
// kept once. Rules: all-correct (every distinct correct sample), best (the correct one with the highest
// weighted total, ties to the shorter, then the first), shortest-correct (the correct one with the fewest
// tokens, ties to the higher total, then the first).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grpo {

enum class KeepRule { kAllCorrect, kBest, kShortestCorrect };
KeepRule parse_keep_rule(const std::string& name);  // all-correct | best | shortest-correct

struct ScoredSample {
  std::string text;                           // what was scored (prefill + generated text)
  int64_t tokens = 0;                         // generated tokens
  double total = 0;                           // weighted total of the rewards
  std::vector<std::optional<double>> scores;  // per reward
};

bool is_correct(const ScoredSample& sample, double min_score);

struct Selection {
  std::vector<size_t> kept;  // indices into the samples, in order
  int64_t correct = 0;       // correct samples, duplicates included (the pass rate's numerator)
  int64_t duplicates = 0;    // correct samples left out because an earlier one had the same text
};

Selection select_samples(const std::vector<ScoredSample>& samples, KeepRule rule, double min_score);

}  // namespace grpo
