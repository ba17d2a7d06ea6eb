#include "datasets/gold_answer.h"

#include <cctype>

#include "rewards/answer_extraction.h"
#include "rewards/answer_normalization.h"
#include "rewards/text_scan.h"

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

std::optional<std::string> unreadable_gold_reason(std::string_view gold) {
  const std::string cleaned = clean_answer(gold);
  if (parse_answer_number(cleaned)) return std::nullopt;
  if (text::trim(gold).find('\n') != std::string_view::npos)
    return "it spans several lines (a worked solution?)";
  const size_t colon = cleaned.find(':');
  if (colon != std::string::npos && colon > 0) {
    std::string_view label = text::trim(std::string_view(cleaned).substr(0, colon));
    bool words_only = !label.empty();
    for (char c : label) words_only = words_only && (text::is_ascii_letter(c) || c == ' ');
    if (words_only && parse_answer_number(text::trim(std::string_view(cleaned).substr(colon + 1)))) {
      return "a label stands before the answer (give the answer alone)";
    }
  }
  int words = 0;  // runs of three or more ASCII letters that are not LaTeX commands
  for (size_t i = 0; i < cleaned.size();) {
    size_t j = i;
    while (j < cleaned.size() && text::is_ascii_letter(cleaned[j])) ++j;
    if (j == i) {
      ++i;
      continue;
    }
    if (j - i >= 3 && (i == 0 || cleaned[i - 1] != '\\')) ++words;
    i = j;
  }
  if (words >= 6) return "it reads as prose (" + std::to_string(words) + " words), not as an answer";
  return std::nullopt;
}

}  // namespace grpo
