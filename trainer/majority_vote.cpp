#include "trainer/majority_vote.h"

#include <string_view>

#include "rewards/answer_comparison.h"

namespace grpo {

namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

bool same_answer(const std::string& a, const std::string& b) {
  return answers_match(a, b) || answers_match(b, a);
}

}  // namespace

std::optional<size_t> majority_vote(const std::vector<std::optional<std::string>>& answers) {
  struct Group {
    size_t first;  // index of its first member (also its representative answer)
    size_t votes;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i] || is_blank(*answers[i])) continue;
    bool joined = false;
    for (Group& group : groups) {
      if (same_answer(*answers[i], *answers[group.first])) {
        ++group.votes;
        joined = true;
        break;
      }
    }
    if (!joined) groups.push_back({i, 1});
  }
  if (groups.empty()) return std::nullopt;
  const Group* best = &groups.front();
  for (const Group& group : groups) {
    if (group.votes > best->votes) best = &group;  // strictly more: ties stay with the group seen first
  }
  return best->first;
}

}  // namespace grpo
