#include "rewards/answer_extraction.h"

#include "rewards/text_scan.h"

namespace grpo {

using text::is_digit;
using text::is_space;

std::string answer_source_name(AnswerSource source) {
  switch (source) {
    case AnswerSource::answer_tag:
      return "answer_tag";
    case AnswerSource::boxed:
      return "boxed";
    case AnswerSource::hash:
      return "hash";
    case AnswerSource::last_number:
      return "last_number";
  }
  return "unknown";
}

std::optional<AnswerSource> parse_answer_source(std::string_view name) {
  for (AnswerSource source :
       {AnswerSource::answer_tag, AnswerSource::boxed, AnswerSource::hash, AnswerSource::last_number}) {
    if (name == answer_source_name(source)) return source;
  }
  return std::nullopt;
}

std::vector<AnswerSource> default_answer_order() {
  return {AnswerSource::answer_tag, AnswerSource::boxed, AnswerSource::hash, AnswerSource::last_number};
}

std::optional<ExtractedAnswer> extract_final_answer(std::string_view completion,
                                                    const std::vector<AnswerSource>& order) {
  for (AnswerSource source : order) {
    std::optional<std::string> found;
    switch (source) {
      case AnswerSource::answer_tag:
        found = extract_answer_tag(completion);
        break;
      case AnswerSource::boxed:
        found = extract_last_boxed(completion);
        break;
      case AnswerSource::hash:
        found = extract_hash_answer(completion);
        break;
      case AnswerSource::last_number:
        found = extract_last_number(completion);
        break;
    }
    if (found) return ExtractedAnswer{std::move(*found), source};
  }
  return std::nullopt;
}

std::optional<std::string> extract_answer_tag(std::string_view text) {
  size_t close = text.rfind("</answer>");
  if (close == std::string_view::npos) return std::nullopt;
  size_t open = text.substr(0, close).rfind("<answer>");
  if (open == std::string_view::npos) return std::nullopt;
  size_t begin = open + 8;
  return std::string(text::trim(text.substr(begin, close - begin)));
}

std::optional<std::string> extract_last_boxed(std::string_view text) {
  // One forward pass with a stack of open braces; a brace opened right after \boxed (or \fbox) remembers
  // where its content starts. The box whose closing brace comes last wins (an outer box around an inner one).
  // Escaped braces \{ \} are content, not grouping.
  struct OpenBrace {
    size_t content_begin;
    bool is_box;
  };
  std::vector<OpenBrace> open;
  std::optional<std::pair<size_t, size_t>> best;      // [begin, end) of the content
  std::optional<std::pair<size_t, size_t>> unbraced;  // "\boxed 5" form
  bool next_brace_is_box = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      std::string_view rest = text.substr(i);
      size_t name_length = 0;
      if (text::starts_with(rest, "\\boxed")) name_length = 6;
      if (text::starts_with(rest, "\\fbox")) name_length = 5;
      if (name_length != 0 &&
          (i + name_length >= text.size() || !text::is_ascii_letter(text[i + name_length]))) {
        size_t j = i + name_length;
        while (j < text.size() && is_space(text[j])) ++j;
        if (j < text.size() && text[j] == '{') {
          next_brace_is_box = true;
          i = j - 1;
        } else if (j < text.size()) {
          size_t end = j;
          while (end < text.size() && !is_space(text[end]) && text[end] != '$' && text[end] != '\\') ++end;
          if (end > j) unbraced = std::make_pair(j, end);
          i = end - 1;
        }
        continue;
      }
      if (i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '}' || text[i + 1] == '\\')) ++i;
      continue;
    }
    if (c == '{') {
      open.push_back({i + 1, next_brace_is_box});
      next_brace_is_box = false;
    } else if (c == '}') {
      if (open.empty()) continue;
      OpenBrace brace = open.back();
      open.pop_back();
      if (brace.is_box) {
        best = std::make_pair(brace.content_begin, i);
        unbraced.reset();
      }
    } else if (!is_space(c)) {
      next_brace_is_box = false;
    }
  }
  if (unbraced && (!best || unbraced->first > best->second)) best = unbraced;
  if (!best) return std::nullopt;
  return std::string(text::trim(text.substr(best->first, best->second - best->first)));
}

std::optional<std::string> extract_hash_answer(std::string_view text) {
  size_t marker = text.rfind("####");
  if (marker == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(marker + 4);
  size_t line_end = rest.find('\n');
  if (line_end != std::string_view::npos) rest = rest.substr(0, line_end);
  rest = text::trim(rest);
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

namespace {

// The length of a thousands separator followed by exactly three digits at text[j]: 4 for ",ddd", 6 for
// LaTeX's
// "{,}ddd"; 0 when there is none.
size_t thousands_group_length(std::string_view text, size_t j) {
  const size_t separator = text.compare(j, 1, ",") == 0 ? 1 : text.compare(j, 3, "{,}") == 0 ? 3 : 0;
  if (separator == 0) return 0;
  const size_t digits = j + separator;
  if (digits + 3 > text.size()) return 0;
  for (size_t k = digits; k < digits + 3; ++k) {
    if (!is_digit(text[k])) return 0;
  }
  if (digits + 3 < text.size() && is_digit(text[digits + 3])) return 0;
  return separator + 3;
}

// Reads an unsigned number at text[i]: digits with optional thousands groups (",ddd" or LaTeX's "{,}ddd"), an
// optional ".digits", or ".digits" alone. Returns the end, or i when no number starts there.
size_t scan_number(std::string_view text, size_t i) {
  size_t j = i;
  size_t first_group = 0;
  while (j < text.size() && is_digit(text[j])) ++j, ++first_group;
  if (first_group > 0 && first_group <= 3) {
    while (size_t group = thousands_group_length(text, j)) j += group;
  }
  if (j + 1 < text.size() && text[j] == '.' && is_digit(text[j + 1])) {
    ++j;
    while (j < text.size() && is_digit(text[j])) ++j;
  }
  return j;
}

}  // namespace

std::optional<std::string> extract_last_number(std::string_view text) {
  std::optional<std::pair<size_t, size_t>> last;
  size_t i = 0;
  while (i < text.size()) {
    bool starts = is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1]) &&
                                        (i == 0 || !is_digit(text[i - 1])));
    if (!starts) {
      ++i;
      continue;
    }
    size_t end = scan_number(text, i);
    if (end == i) {
      ++i;
      continue;
    }
    size_t begin = i;
    // A minus sign belongs to the number unless it follows a digit or letter ("3-5" is a subtraction).
    if (begin > 0 && text[begin - 1] == '-' &&
        (begin == 1 ||
         !(is_digit(text[begin - 2]) || text::is_ascii_letter(text[begin - 2]) || text[begin - 2] == ')'))) {
      --begin;
    }
    // A simple fraction "3/4".
    if (end + 1 < text.size() && text[end] == '/' && is_digit(text[end + 1])) {
      size_t denominator_end = scan_number(text, end + 1);
      if (denominator_end > end + 1) end = denominator_end;
    }
    last = std::make_pair(begin, end);
    i = end;
  }
  if (!last) return std::nullopt;
  return std::string(text.substr(last->first, last->second - last->first));
}

std::string extract_gold_answer(std::string_view gold) {
  if (gold.find("####") != std::string_view::npos) {
    if (auto found = extract_hash_answer(gold)) return *found;
  }
  if (gold.find("\\boxed") != std::string_view::npos || gold.find("\\fbox") != std::string_view::npos) {
    if (auto found = extract_last_boxed(gold)) return *found;
  }
  return std::string(text::trim(gold));
}

}  // namespace grpo
