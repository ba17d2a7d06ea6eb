// Comparing a predicted answer with a gold answer: numbers (exact, then with a relative tolerance for
// decimals and fractions), multiple-choice letters, tuples/intervals element by element, else canonical text;
// or exact string mode. Shared by the accuracy reward, the datasets and evaluation.
#pragma once

#include <string>
#include <string_view>

namespace grpo {

enum class AnswerMatchMode {
  math,   // the normalising comparison described above (default)
  exact,  // the two answers, trimmed of ASCII whitespace, are byte-for-byte equal
};

struct AnswerMatchOptions {
  AnswerMatchMode mode = AnswerMatchMode::math;
  // |a-b| <= tolerance * max(|a|,|b|) counts as equal when either side is written as a decimal or fraction.
  // Integers written as integers always compare exactly ("1000001" != "1000000").
  double relative_tolerance = 1e-6;
};

struct AnswerVerdict {
  bool correct = false;
  std::string note;  // why, when it is worth saying: "numbers differ", "too long to compare exactly"
};

AnswerVerdict compare_answers(std::string_view predicted, std::string_view gold,
                              const AnswerMatchOptions& options = {});
inline bool answers_match(std::string_view predicted, std::string_view gold,
                          const AnswerMatchOptions& options = {}) {
  return compare_answers(predicted, gold, options).correct;
}

// The canonical form two answers are compared in when they are not numbers (clean_answer + canonical text).
std::string normalize_answer(std::string_view answer);

}  // namespace grpo
