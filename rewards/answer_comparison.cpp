#include "rewards/answer_comparison.h"

#include <optional>
#include <vector>

#include "rewards/answer_normalization.h"
#include "rewards/text_scan.h"

namespace grpo {

namespace {

// "(C)", "C", "c" -> 'C'; for gold answers that are a multiple-choice letter A-J.
std::optional<char> choice_letter(std::string_view canonical) {
  if (canonical.size() == 3 && canonical[0] == '(' && canonical[2] == ')') canonical = canonical.substr(1, 1);
  if (canonical.size() != 1) return std::nullopt;
  char upper =
      static_cast<char>(canonical[0] >= 'a' && canonical[0] <= 'z' ? canonical[0] - 'a' + 'A' : canonical[0]);
  if (upper < 'A' || upper > 'J') return std::nullopt;
  return upper;
}

// The letter a prediction picks: "C", "(C)", "C.", "C)", or "(C)" followed by the option's text.
std::optional<char> predicted_choice_letter(std::string_view canonical) {
  if (auto letter = choice_letter(canonical)) return letter;
  if (canonical.size() >= 3 && canonical[0] == '(' && canonical[2] == ')')
    return choice_letter(canonical.substr(0, 3));
  if (canonical.size() == 2 && (canonical[1] == '.' || canonical[1] == ')' || canonical[1] == ':')) {
    return choice_letter(canonical.substr(0, 1));
  }
  return std::nullopt;
}

struct Elements {
  std::string open;
  std::string close;
  std::vector<std::string_view> items;
};

// Splits canonical text at top-level commas, inside one optional pair of outer brackets: "(1,2]" -> "(", "]",
// {"1", "2"}. Brackets ( ) [ ] { } and \{ \} nest.
Elements split_elements(std::string_view text) {
  Elements out;
  std::string_view inner = text;
  auto strip = [&](std::string_view open_token, std::string_view close_token) {
    if (inner.size() >= open_token.size() + close_token.size() && text::starts_with(inner, open_token) &&
        text::ends_with(inner, close_token)) {
      out.open = std::string(open_token);
      out.close = std::string(close_token);
      inner = inner.substr(open_token.size(), inner.size() - open_token.size() - close_token.size());
      return true;
    }
    return false;
  };
  if (!strip("\\{", "\\}")) {
    for (std::string_view open_token : {"(", "["}) {
      for (std::string_view close_token : {")", "]"}) {
        if (out.open.empty()) strip(open_token, close_token);
      }
    }
  }
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c == '\\' && i + 1 < inner.size()) {
      if (inner[i + 1] == '{') ++depth;
      if (inner[i + 1] == '}') --depth;
      ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.items.push_back(inner.substr(start, i - start));
      start = i + 1;
    }
  }
  out.items.push_back(inner.substr(start));
  return out;
}

enum class Outcome { equal, different, too_long, not_numbers };

Outcome compare_as_numbers(std::string_view a, std::string_view b, double tolerance) {
  auto x = parse_answer_number(a);
  auto y = parse_answer_number(b);
  if (!x || !y) return Outcome::not_numbers;
  switch (compare_numbers(*x, *y, tolerance)) {
    case NumberComparison::equal:
      return Outcome::equal;
    case NumberComparison::different:
      return Outcome::different;
    case NumberComparison::too_long:
      return Outcome::too_long;
  }
  return Outcome::different;
}

}  // namespace

std::string normalize_answer(std::string_view answer) {
  return canonical_answer_text(clean_answer(answer));
}

AnswerVerdict compare_answers(std::string_view predicted, std::string_view gold,
                              const AnswerMatchOptions& options) {
  if (options.mode == AnswerMatchMode::exact) {
    return {text::trim(predicted) == text::trim(gold), ""};
  }
  std::string predicted_clean = clean_answer(predicted);
  std::string gold_clean = clean_answer(gold);

  switch (compare_as_numbers(predicted_clean, gold_clean, options.relative_tolerance)) {
    case Outcome::equal:
      return {true, ""};
    case Outcome::different:
      return {false, "numbers differ"};
    case Outcome::too_long:
      return {false, "numbers too long to compare exactly"};
    case Outcome::not_numbers:
      break;
  }

  std::string predicted_text = canonical_answer_text(predicted_clean);
  std::string gold_text = canonical_answer_text(gold_clean);
  if (auto gold_letter = choice_letter(gold_text)) {
    auto predicted_letter = predicted_choice_letter(predicted_text);
    return {predicted_letter == gold_letter, predicted_letter ? "" : "not a choice letter"};
  }
  if (predicted_text == gold_text) return {true, ""};

  Elements predicted_elements = split_elements(predicted_text);
  Elements gold_elements = split_elements(gold_text);
  if (gold_elements.items.size() >= 2 && predicted_elements.items.size() == gold_elements.items.size() &&
      predicted_elements.open == gold_elements.open && predicted_elements.close == gold_elements.close) {
    for (size_t i = 0; i < gold_elements.items.size(); ++i) {
      std::string_view p = predicted_elements.items[i];
      std::string_view g = gold_elements.items[i];
      Outcome outcome = compare_as_numbers(p, g, options.relative_tolerance);
      if (outcome == Outcome::equal) continue;
      if (outcome == Outcome::not_numbers && p == g) continue;
      return {false, "elements differ"};
    }
    return {true, ""};
  }
  return {false, ""};
}

}  // namespace grpo
