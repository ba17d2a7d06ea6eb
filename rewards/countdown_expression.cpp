#include "rewards/countdown_expression.h"

#include <fmt/format.h>

#include <cstdint>
#include <numeric>

#include "rewards/text_scan.h"

namespace grpo {

std::string Rational::to_string() const {
  return denominator == 1 ? std::to_string(numerator) : fmt::format("{}/{}", numerator, denominator);
}

namespace {

constexpr size_t kMaxEquationBytes = 10000;
constexpr int kMaxDepth = 100;

struct EvaluationError {
  std::string message;
};

enum class TokenKind { number, plus, minus, times, divide, open, close, equals, end };

struct Token {
  TokenKind kind;
  int64_t value = 0;
  size_t position = 0;
};

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (text::is_space(c) || c == '$') {
      ++i;
      continue;
    }
    std::string_view rest = text.substr(i);
    auto symbol = [&](TokenKind kind, size_t length) {
      tokens.push_back({kind, 0, i});
      i += length;
    };
    if (text::is_digit(c)) {
      size_t j = i;
      int64_t value = 0;
      while (j < text.size() && text::is_digit(text[j])) {
        if (j - i >= 18) throw EvaluationError{fmt::format("number too long at position {}", i)};
        value = value * 10 + (text[j] - '0');
        ++j;
      }
      tokens.push_back({TokenKind::number, value, i});
      i = j;
    } else if (c == '+') {
      symbol(TokenKind::plus, 1);
    } else if (c == '-') {
      symbol(TokenKind::minus, 1);
    } else if (c == '*') {
      symbol(TokenKind::times, 1);
    } else if (c == '/') {
      symbol(TokenKind::divide, 1);
    } else if (c == '(') {
      symbol(TokenKind::open, 1);
    } else if (c == ')') {
      symbol(TokenKind::close, 1);
    } else if (c == '=') {
      symbol(TokenKind::equals, 1);
    } else if (text::starts_with(rest, "\xC3\x97")) {  // ×
      symbol(TokenKind::times, 2);
    } else if (text::starts_with(rest, "\xC3\xB7")) {  // ÷
      symbol(TokenKind::divide, 2);
    } else if (text::starts_with(rest, "\xE2\x88\x92")) {  // − (U+2212)
      symbol(TokenKind::minus, 3);
    } else if (text::starts_with(rest, "\\times")) {
      symbol(TokenKind::times, 6);
    } else if (text::starts_with(rest, "\\cdot")) {
      symbol(TokenKind::times, 5);
    } else if (text::starts_with(rest, "\\div")) {
      symbol(TokenKind::divide, 4);
    } else if (text::starts_with(rest, "\\left(") || text::starts_with(rest, "\\right)")) {
      bool open = rest[1] == 'l';
      symbol(open ? TokenKind::open : TokenKind::close, open ? 6 : 7);
    } else {
      throw EvaluationError{
          fmt::format("unexpected {} at position {}", text::quote(rest.substr(0, 1), 8), i)};
    }
  }
  tokens.push_back({TokenKind::end, 0, text.size()});
  return tokens;
}

[[noreturn]] void too_large() {
  throw EvaluationError{"numbers too large"};
}

Rational reduce(int64_t numerator, int64_t denominator) {
  if (denominator == 0) throw EvaluationError{"division by zero"};
  if (numerator == INT64_MIN || denominator == INT64_MIN) too_large();
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  int64_t divisor = std::gcd(numerator, denominator);
  if (divisor > 1) {
    numerator /= divisor;
    denominator /= divisor;
  }
  return {numerator, denominator};
}

int64_t mul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) too_large();
  return out;
}

Rational add(Rational a, Rational b, bool subtract) {
  int64_t left = mul(a.numerator, b.denominator);
  int64_t right = mul(b.numerator, a.denominator);
  int64_t sum = 0;
  bool overflow =
      subtract ? __builtin_sub_overflow(left, right, &sum) : __builtin_add_overflow(left, right, &sum);
  if (overflow) too_large();
  return reduce(sum, mul(a.denominator, b.denominator));
}

Rational multiply(Rational a, Rational b) {
  return reduce(mul(a.numerator, b.numerator), mul(a.denominator, b.denominator));
}

Rational divide(Rational a, Rational b) {
  if (b.numerator == 0) throw EvaluationError{"division by zero"};
  return reduce(mul(a.numerator, b.denominator), mul(a.denominator, b.numerator));
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  CountdownEvaluation run() {
    CountdownEvaluation out;
    out.value = expression(0);
    if (peek().kind == TokenKind::equals) {
      next();
      if (peek().kind != TokenKind::number) throw EvaluationError{"expected a number after '='"};
      out.stated_result = next().value;
    }
    if (peek().kind != TokenKind::end) {
      throw EvaluationError{fmt::format("unexpected text at position {}", peek().position)};
    }
    out.ok = true;
    out.numbers_used = std::move(numbers_);
    return out;
  }

 private:
  const Token& peek() const { return tokens_[index_]; }
  const Token& next() { return tokens_[index_++]; }

  Rational expression(int depth) {
    if (depth > kMaxDepth) throw EvaluationError{"too many nested parentheses"};
    Rational value = term(depth);
    while (peek().kind == TokenKind::plus || peek().kind == TokenKind::minus) {
      bool subtract = next().kind == TokenKind::minus;
      value = add(value, term(depth), subtract);
    }
    return value;
  }

  Rational term(int depth) {
    Rational value = factor(depth);
    while (peek().kind == TokenKind::times || peek().kind == TokenKind::divide) {
      bool is_divide = next().kind == TokenKind::divide;
      Rational right = factor(depth);
      value = is_divide ? divide(value, right) : multiply(value, right);
    }
    return value;
  }

  Rational factor(int depth) {
    const Token& token = next();
    switch (token.kind) {
      case TokenKind::number:
        numbers_.push_back(token.value);
        return {token.value, 1};
      case TokenKind::open: {
        Rational value = expression(depth + 1);
        if (next().kind != TokenKind::close) throw EvaluationError{"unbalanced parentheses"};
        return value;
      }
      case TokenKind::minus:
        throw EvaluationError{
            fmt::format("unary minus at position {} (combine the given numbers only)", token.position)};
      case TokenKind::end:
        throw EvaluationError{"the equation ends too early"};
      default:
        throw EvaluationError{fmt::format("expected a number or '(' at position {}", token.position)};
    }
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  std::vector<int64_t> numbers_;
};

}  // namespace

CountdownEvaluation evaluate_countdown_equation(std::string_view equation) {
  CountdownEvaluation out;
  if (equation.size() > kMaxEquationBytes) {
    out.error = fmt::format("equation too long ({} bytes)", equation.size());
    return out;
  }
  if (text::is_blank(equation)) {
    out.error = "empty equation";
    return out;
  }
  try {
    return Parser(tokenize(equation)).run();
  } catch (const EvaluationError& e) {
    out.error = e.message;
    return out;
  }
}

}  // namespace grpo
