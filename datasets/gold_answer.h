// The gold answer inside the answer text data sets ship: GSM8K's "#### N", MATH's \boxed{...}, or the text as
// is (built on the rewards library's extraction, so that data and rewards read answers the same way).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace grpo {

// The rest of the line after the last "####", with thousands separators between digits removed
// ("#### 1,450,000" -> "1450000"); nullopt when there is no "####".
std::optional<std::string> gsm8k_final_answer(std::string_view text);

// The gold answer of `text` read as `format`: "gsm8k" ("#### N"), "boxed" (the last \boxed{}), "raw" (trimmed
// text), or "auto" (#### N, else the last \boxed{}, else the trimmed text). Empty when the format finds
// nothing.
std::string extract_gold(std::string_view text, const std::string& format);

// Leading and trailing whitespace removed.
std::string trim(std::string_view text);

}  // namespace grpo
