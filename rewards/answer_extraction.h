// Final-answer extraction from model completions and gold answers (shared by rewards, datasets and
// evaluation). Every function is a hand-written linear-time scanner: safe on any bytes, megabytes long.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpo {

// Where a final answer can be read from, tried in the order the user sets.
enum class AnswerSource {
  answer_tag,   // the content of the last complete <answer> ... </answer>
  boxed,        // the content of the last complete \boxed{...} (or \fbox{...}), braces balanced
  hash,         // GSM8K style: the rest of the line after the last "####"
  last_number,  // the last number in the text ("1,234.5", "-3", "3/4")
};

std::string answer_source_name(AnswerSource source);                     // "answer_tag", "boxed", ...
std::optional<AnswerSource> parse_answer_source(std::string_view name);  // inverse; nullopt if unknown
std::vector<AnswerSource> default_answer_order();  // answer_tag, boxed, hash, last_number

struct ExtractedAnswer {
  std::string text;
  AnswerSource source;
};

// The first source in `order` that finds an answer in `completion`; nullopt when none does.
std::optional<ExtractedAnswer> extract_final_answer(
    std::string_view completion, const std::vector<AnswerSource>& order = default_answer_order());

std::optional<std::string> extract_answer_tag(std::string_view text);
std::optional<std::string> extract_last_boxed(std::string_view text);
std::optional<std::string> extract_hash_answer(std::string_view text);
std::optional<std::string> extract_last_number(std::string_view text);

// The gold answer of a dataset row's answer field: a GSM8K worked answer ending in "#### N" gives N; a worked
// solution containing \boxed{...} gives the last boxed content (MATH); anything else is the trimmed text
// itself.
std::string extract_gold_answer(std::string_view gold);

}  // namespace grpo
