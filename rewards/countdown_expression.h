// A small safe evaluator for Countdown equations: non-negative integers, + - * /, parentheses, and an
// optional
// "= N" at the end. Exact rational arithmetic on int64 with overflow checks; no other syntax is accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpo {

struct Rational {
  int64_t numerator = 0;
  int64_t denominator = 1;  // > 0, reduced
  bool operator==(const Rational& other) const {
    return numerator == other.numerator && denominator == other.denominator;
  }
  std::string to_string() const;
};

struct CountdownEvaluation {
  bool ok = false;
  std::string error;                     // when !ok: "division by zero", "unexpected 'x' at position 4", ...
  Rational value;                        // when ok
  std::vector<int64_t> numbers_used;     // every number literal on the left of '=', in order
  std::optional<int64_t> stated_result;  // the N of a trailing "= N"
};

// Accepts ASCII operators and ×, ÷, −, \times, \cdot, \div; ignores spaces and '$'. Unary minus is rejected
// (the game combines the given numbers only). Limits: 10,000 bytes, 100 levels of parentheses, 18-digit
// numbers.
CountdownEvaluation evaluate_countdown_equation(std::string_view equation);

}  // namespace grpo
