#include "rewards/exact_number.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace grpo {

namespace {

constexpr uint32_t kLimbBase = 1000000000;  // 9 decimal digits per limb

// Little-endian base-1e9 unsigned integer.
using BigUint = std::vector<uint32_t>;

BigUint big_from_digits(const std::string& digits) {
  BigUint out;
  for (size_t end = digits.size(); end > 0;) {
    size_t begin = end >= 9 ? end - 9 : 0;
    uint32_t limb = 0;
    for (size_t i = begin; i < end; ++i) limb = limb * 10 + static_cast<uint32_t>(digits[i] - '0');
    out.push_back(limb);
    end = begin;
  }
  return out;
}

std::string big_to_digits(const BigUint& value) {
  std::string out;
  for (size_t i = value.size(); i-- > 0;) {
    std::string limb = std::to_string(value[i]);
    if (!out.empty()) out.append(9 - limb.size(), '0');
    if (!out.empty() || value[i] != 0) out += limb;
  }
  return out;  // "" for zero
}

BigUint big_multiply(const BigUint& a, const BigUint& b) {
  if (a.empty() || b.empty()) return {};
  std::vector<uint64_t> wide(a.size() + b.size() + 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      uint64_t current = wide[i + j] + static_cast<uint64_t>(a[i]) * b[j] + carry;
      wide[i + j] = current % kLimbBase;
      carry = current / kLimbBase;
    }
    size_t k = i + b.size();
    while (carry != 0) {
      uint64_t current = wide[k] + carry;
      wide[k] = current % kLimbBase;
      carry = current / kLimbBase;
      ++k;
    }
  }
  BigUint out(wide.begin(), wide.end());
  while (!out.empty() && out.back() == 0) out.pop_back();
  return out;
}

BigUint big_add(const BigUint& a, const BigUint& b) {
  BigUint out(std::max(a.size(), b.size()) + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t current = carry;
    if (i < a.size()) current += a[i];
    if (i < b.size()) current += b[i];
    out[i] = static_cast<uint32_t>(current % kLimbBase);
    carry = current / kLimbBase;
  }
  while (!out.empty() && out.back() == 0) out.pop_back();
  return out;
}

// Moves trailing zeros of `digits` into the exponent and drops leading zeros.
Decimal canonical(std::string digits, int64_t exponent) {
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Decimal{};
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  return Decimal{digits.substr(first, last - first + 1), exponent};
}

// Leading-digit approximation: value = mantissa * 10^exponent with mantissa in [1, 10).
struct Approximate {
  double mantissa = 0;
  int64_t exponent = 0;
};

Approximate approximate(const Decimal& value) {
  if (value.is_zero()) return {};
  size_t used = std::min<size_t>(value.digits.size(), 17);
  double leading = std::strtod(value.digits.substr(0, used).c_str(), nullptr);
  // digits = leading * 10^(size - used); normalise leading (used digits) into [1, 10).
  double mantissa = leading / std::pow(10.0, static_cast<double>(used - 1));
  int64_t exponent = value.exponent + static_cast<int64_t>(value.digits.size()) - 1;
  return {mantissa, exponent};
}

Approximate divide(Approximate a, Approximate b) {
  Approximate out{a.mantissa / b.mantissa, a.exponent - b.exponent};
  if (out.mantissa != 0 && out.mantissa < 1) {
    out.mantissa *= 10;
    out.exponent -= 1;
  }
  return out;
}

bool denominator_is_one(const ExactNumber& n) {
  return n.denominator.digits == "1" && n.denominator.exponent == 0;
}

}  // namespace

Decimal make_decimal(std::string_view integer_digits, std::string_view fraction_digits) {
  std::string digits;
  digits.reserve(integer_digits.size() + fraction_digits.size());
  digits.append(integer_digits);
  digits.append(fraction_digits);
  return canonical(std::move(digits), -static_cast<int64_t>(fraction_digits.size()));
}

std::optional<Decimal> multiply(const Decimal& a, const Decimal& b) {
  if (a.is_zero() || b.is_zero()) return Decimal{};
  if (a.digits.size() > kMaxExactDigits || b.digits.size() > kMaxExactDigits) return std::nullopt;
  BigUint product = big_multiply(big_from_digits(a.digits), big_from_digits(b.digits));
  return canonical(big_to_digits(product), a.exponent + b.exponent);
}

std::optional<Decimal> add(const Decimal& a, const Decimal& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  int64_t exponent = std::min(a.exponent, b.exponent);
  int64_t a_shift = a.exponent - exponent;
  int64_t b_shift = b.exponent - exponent;
  if (a.digits.size() + a_shift > kMaxExactDigits || b.digits.size() + b_shift > kMaxExactDigits)
    return std::nullopt;
  std::string a_digits = a.digits + std::string(static_cast<size_t>(a_shift), '0');
  std::string b_digits = b.digits + std::string(static_cast<size_t>(b_shift), '0');
  BigUint sum = big_add(big_from_digits(a_digits), big_from_digits(b_digits));
  return canonical(big_to_digits(sum), exponent);
}

NumberComparison compare_numbers(const ExactNumber& a, const ExactNumber& b, double relative_tolerance) {
  bool a_zero = a.numerator.is_zero();
  bool b_zero = b.numerator.is_zero();
  if (a_zero || b_zero) return a_zero == b_zero ? NumberComparison::equal : NumberComparison::different;

  bool exact_known = true;
  bool exact_equal = false;
  if (a.negative == b.negative) {
    if (denominator_is_one(a) && denominator_is_one(b)) {
      exact_equal = a.numerator == b.numerator;
    } else {
      auto left = multiply(a.numerator, b.denominator);
      auto right = multiply(b.numerator, a.denominator);
      if (left && right) {
        exact_equal = *left == *right;
      } else {
        exact_known = false;
      }
    }
  }
  if (exact_equal) return NumberComparison::equal;

  bool tolerant = relative_tolerance > 0 && !(a.written_as_integer && b.written_as_integer);
  if (tolerant && a.negative == b.negative) {
    Approximate x = divide(approximate(a.numerator), approximate(a.denominator));
    Approximate y = divide(approximate(b.numerator), approximate(b.denominator));
    int64_t top = std::max(x.exponent, y.exponent);
    if (top - std::min(x.exponent, y.exponent) <= 2) {
      double xv = x.mantissa * std::pow(10.0, static_cast<double>(x.exponent - top));
      double yv = y.mantissa * std::pow(10.0, static_cast<double>(y.exponent - top));
      if (std::fabs(xv - yv) <= relative_tolerance * std::max(std::fabs(xv), std::fabs(yv))) {
        return NumberComparison::equal;
      }
    }
  }
  return exact_known ? NumberComparison::different : NumberComparison::too_long;
}

std::string to_string(const ExactNumber& number) {
  auto render = [](const Decimal& d) {
    if (d.is_zero()) return std::string("0");
    if (d.exponent >= 0) {
      if (d.exponent > 64) return d.digits + "e" + std::to_string(d.exponent);
      return d.digits + std::string(static_cast<size_t>(d.exponent), '0');
    }
    size_t fraction = static_cast<size_t>(-d.exponent);
    if (fraction > 64 + d.digits.size()) return d.digits + "e" + std::to_string(d.exponent);
    std::string padded = d.digits;
    if (padded.size() <= fraction) padded.insert(0, fraction - padded.size() + 1, '0');
    padded.insert(padded.size() - fraction, ".");
    return padded;
  };
  std::string out = number.negative ? "-" : "";
  out += render(number.numerator);
  if (!denominator_is_one(number)) out += "/" + render(number.denominator);
  return out;
}

}  // namespace grpo
