// Majority voting over the final answers of several sampled completions (maj@k): answers that the rewards'
// comparison calls equal ("42", "42.0", "$42") vote together.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace grpo {

// The index of the completion whose answer wins the vote, or nullopt when no completion has an answer.
// answers[i]: completion i's extracted final answer (nullopt or blank: it has none and does not vote).
// Answers are grouped with answers_match (rewards/answer_comparison.h, either way round) against the first
// answer of each group; the biggest group wins, a tie goes to the group seen first, and its first member is
// returned.
std::optional<size_t> majority_vote(const std::vector<std::optional<std::string>>& answers);

}  // namespace grpo
