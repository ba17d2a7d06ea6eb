#include "datasets/gold_answer.h"

#include <cctype>

#include "rewards/answer_extraction.h"

namespace grpo {

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::optional<std::string> gsm8k_final_answer(std::string_view text) {
  auto raw = extract_hash_answer(text);
  if (!raw) return std::nullopt;
  auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::string answer;
  for (size_t i = 0; i < raw->size(); ++i) {
    bool separator = (*raw)[i] == ',' && i > 0 && i + 1 < raw->size() && is_digit((*raw)[i - 1]) &&
                     is_digit((*raw)[i + 1]);
    if (!separator) answer += (*raw)[i];
  }
  return answer;
}

std::string extract_gold(std::string_view text, const std::string& format) {
  if (format == "raw") return trim(text);
  if (format == "gsm8k" || format == "auto") {
    if (auto answer = gsm8k_final_answer(text)) return *answer;
    if (format == "gsm8k") return {};
  }
  if (format == "boxed" || format == "auto") {
    if (auto answer = extract_last_boxed(text)) return *answer;
    if (format == "boxed") return {};
  }
  return trim(text);
}

}  // namespace grpo
