// Exact numbers of any length for answer comparison: decimal digit strings with an exponent, fractions of
// them, and a small schoolbook big integer for cross-multiplying fractions. No doubles on the exact path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpo {

// digits * 10^exponent; `digits` has no leading or trailing zeros ("" is zero, exponent 0), so two equal
// values have equal fields whatever their length.
struct Decimal {
  std::string digits;
  int64_t exponent = 0;
  bool is_zero() const { return digits.empty(); }
  bool operator==(const Decimal& other) const { return digits == other.digits && exponent == other.exponent; }
};

// "0012.3400" -> {"1234", -2}: integer digits plus fraction digits (both plain ASCII digit strings).
Decimal make_decimal(std::string_view integer_digits, std::string_view fraction_digits);

// Products and sums of decimals, exact. Return nullopt when an operand has more than kMaxExactDigits digits
// (fractions that long are compared as text only; plain decimals of any length compare exactly without this).
constexpr size_t kMaxExactDigits = 10000;
std::optional<Decimal> multiply(const Decimal& a, const Decimal& b);
std::optional<Decimal> add(const Decimal& a, const Decimal& b);

// sign * numerator / denominator, as written in an answer.
struct ExactNumber {
  bool negative = false;
  Decimal numerator;
  Decimal denominator{"1", 0};
  bool written_as_integer = true;  // no decimal point, no fraction: compared exactly even with a tolerance
};

enum class NumberComparison { equal, different, too_long };
// Exact comparison first; when either side was not written as an integer and relative_tolerance > 0, values
// within |a-b| <= tolerance * max(|a|,|b|) also count as equal (computed from leading digits: any length is
// safe).
NumberComparison compare_numbers(const ExactNumber& a, const ExactNumber& b, double relative_tolerance);

// Renders the number for reasons ("-3/4", "1234.5", "1.2e+4000" style for very long values is not attempted:
// long values are cut by the caller).
std::string to_string(const ExactNumber& number);

}  // namespace grpo
