// Suggestions for mistyped names ("did you mean 'train'?"): the closest known name by edit distance.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace grpo {

// Levenshtein distance (insert, delete, substitute, and swap of two neighbours: `trian` is 1 from `train`).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word`, when it is close enough to be a plausible typo (distance <= 2, and at most
// a third of the word), or a candidate that `word` is a prefix of when only one is; else nothing.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates);

// "; did you mean 'train'?" (with the quoting as given), or "" when no candidate is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates,
                         const std::string& quote = "'");

}  // namespace grpo
