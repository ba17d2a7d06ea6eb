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

// Why a gold answer (as extracted) would make the accuracy reward score every completion 0, or nullopt when
// it reads as an answer: it spans several lines (a worked solution), puts a label before a number ("A: 18"),
// or reads as prose (six or more words). Numbers, expressions and short text answers ("\text{Evelyn}") pass.
std::optional<std::string> unreadable_gold_reason(std::string_view gold);

// Leading and trailing whitespace removed.
std::string trim(std::string_view text);

}  // namespace grpo
