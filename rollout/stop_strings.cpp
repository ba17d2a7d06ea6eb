#include "rollout/stop_strings.h"

#include <algorithm>

namespace grpo {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings)
    : stop_strings_(std::move(stop_strings)) {
  size_t longest = 0;
  for (const auto& stop : stop_strings_) longest = std::max(longest, stop.size());
  // Every token decodes to at least one byte except byte-fallback pieces of a multi-byte character, which
  // need at most four tokens per character: the window covers a stop string of `longest` bytes in the worst
  // case.
  window_tokens_ = 4 * longest + 4;
}

bool StopStringMatcher::matches(const Tokenizer& tokenizer, const std::vector<int64_t>& token_ids) const {
  if (stop_strings_.empty() || token_ids.empty()) return false;
  size_t first = token_ids.size() > window_tokens_ ? token_ids.size() - window_tokens_ : 0;
  std::vector<int64_t> window(token_ids.begin() + static_cast<std::ptrdiff_t>(first), token_ids.end());
  std::string text = tokenizer.decode(window);
  for (const auto& stop : stop_strings_) {
    if (text.find(stop) != std::string::npos) return true;
  }
  return false;
}

std::string StopStringMatcher::cut_after(const std::string& text) const {
  size_t best_end = std::string::npos;
  for (const auto& stop : stop_strings_) {
    size_t at = text.find(stop);
    if (at != std::string::npos) best_end = std::min(best_end, at + stop.size());
  }
  return best_end == std::string::npos ? text : text.substr(0, best_end);
}

}  // namespace grpo
