// StopStringMatcher: tells when a completion's text has reached a stop string (e.g. "</answer>"), decoding
// only a window of its last tokens at each step, so the check costs the same at token 10 and token 10,000.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace grpo {

class StopStringMatcher {
 public:
  explicit StopStringMatcher(std::vector<std::string> stop_strings);

  bool active() const { return !stop_strings_.empty(); }
  // True when the decoded text of the newest tokens (a window long enough for any stop string) contains one.
  bool matches(const Tokenizer& tokenizer, const std::vector<int64_t>& token_ids) const;
  // `text` cut right after the earliest stop string it contains (unchanged when none).
  std::string cut_after(const std::string& text) const;

 private:
  std::vector<std::string> stop_strings_;
  size_t window_tokens_ = 0;
};

}  // namespace grpo
