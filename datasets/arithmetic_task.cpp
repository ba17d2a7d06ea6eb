#include "datasets/arithmetic_task.h"

#include <fmt/format.h>

#include <cctype>

#include "core/error.h"
#include "datasets/seeded_random.h"

namespace grpo {

namespace {

__extension__ typedef __int128 Wide;  // products of up to 36 digits fit

std::string wide_text(Wide value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  std::string digits;
  while (value != 0) {
    int digit = static_cast<int>(value % 10);
    digits += static_cast<char>('0' + (digit < 0 ? -digit : digit));
    value /= 10;
  }
  if (negative) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

int64_t power_of_ten(int64_t exponent) {
  int64_t value = 1;
  for (int64_t i = 0; i < exponent; ++i) value *= 10;
  return value;
}

}  // namespace

std::string ArithmeticTask::summary() const {
  return "chained multi-digit + - * with the usual precedence (\"What is 347 + 58 * 12 - 906?\"); answer: "
         "the "
         "integer result";
}

std::vector<DifficultyKnob> ArithmeticTask::knobs() const {
  return {{"digits", "digits per number (a range, 1-9)", "2-3"},
          {"terms", "numbers in the expression (a range, 2-8)", "2-3"},
          {"ops", "operators to use, any of + - * written together (e.g. +-)", "+-*"}};
}

std::map<std::string, std::string> ArithmeticTask::presets() const {
  return {
      {"easy", "digits=1-2,terms=2"}, {"medium", "digits=2-3,terms=2-3"}, {"hard", "digits=3-4,terms=3-5"}};
}

void ArithmeticTask::validate(const Difficulty& difficulty) const {
  require_range_within(difficulty, name(), "digits", 1, 9);
  require_range_within(difficulty, name(), "terms", 2, 8);
  if (difficulty.range("digits").high * difficulty.range("terms").high > 36) {
    fail(
        "task 'arithmetic': digits={} with terms={} can make results too large to check exactly; keep digits "
        "x "
        "terms at most 36",
        difficulty.text("digits"), difficulty.text("terms"));
  }
  const std::string& ops = difficulty.text("ops");
  if (ops.find_first_not_of("+-*") != std::string::npos || ops.empty()) {
    fail("task 'arithmetic': ops={} should be operators from + - * written together, e.g. ops=+-", ops);
  }
}

Example ArithmeticTask::generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const {
  SeededRandom random = SeededRandom::for_item(seed, name(), index);
  IntRange digits = difficulty.range("digits");
  IntRange terms = difficulty.range("terms");
  std::string ops = difficulty.text("ops");

  size_t count = static_cast<size_t>(random.uniform(terms.low, terms.high));
  std::vector<int64_t> operands;
  std::vector<std::string> operators;
  for (size_t i = 0; i < count; ++i) {
    int64_t length = random.uniform(digits.low, digits.high);
    operands.push_back(random.uniform(length == 1 ? 1 : power_of_ten(length - 1), power_of_ten(length) - 1));
    if (i + 1 < count) operators.push_back(std::string(1, ops[random.index(ops.size())]));
  }

  // Multiplications first, left to right; then additions and subtractions, left to right.
  std::vector<std::string> steps;
  std::vector<Wide> values = {operands[0]};
  std::vector<std::string> pending;  // + or - between the values
  for (size_t i = 0; i < operators.size(); ++i) {
    if (operators[i] == "*") {
      Wide product = values.back() * operands[i + 1];
      steps.push_back(
          fmt::format("{} * {} = {}", wide_text(values.back()), operands[i + 1], wide_text(product)));
      values.back() = product;
    } else {
      values.push_back(operands[i + 1]);
      pending.push_back(operators[i]);
    }
  }
  Wide result = values[0];
  for (size_t i = 0; i < pending.size(); ++i) {
    Wide next = pending[i] == "+" ? result + values[i + 1] : result - values[i + 1];
    steps.push_back(fmt::format("{} {} {} = {}", wide_text(result), pending[i], wide_text(values[i + 1]),
                                wide_text(next)));
    result = next;
  }

  std::string expression = std::to_string(operands[0]);
  for (size_t i = 0; i < operators.size(); ++i)
    expression += fmt::format(" {} {}", operators[i], operands[i + 1]);
  Example example = make_generated_example(seed, index, difficulty, fmt::format("What is {}?", expression),
                                           wide_text(result));
  example.row["expression"] = expression;
  example.row["operands"] = operands;
  example.row["operators"] = operators;
  example.row["steps"] = steps;
  return example;
}

std::optional<std::string> normalise_integer_answer(const std::string& text) {
  std::string compact;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    bool separator = c == ',' && !compact.empty() &&
                     std::isdigit(static_cast<unsigned char>(compact.back())) && i + 1 < text.size() &&
                     std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (!separator) compact += c;
  }
  size_t equals = compact.rfind('=');
  if (equals != std::string::npos) compact = compact.substr(equals + 1);
  if (!compact.empty() && compact.back() == '.') compact.pop_back();
  size_t point = compact.find('.');
  if (point != std::string::npos) {  // "42.0" is 42; "42.5" is not an integer
    if (compact.find_first_not_of('0', point + 1) != std::string::npos) return std::nullopt;
    compact.resize(point);
  }
  bool negative = false;
  size_t start = 0;
  if (!compact.empty() && (compact[0] == '-' || compact[0] == '+')) {
    negative = compact[0] == '-';
    start = 1;
  }
  if (start == compact.size()) return std::nullopt;
  for (size_t i = start; i < compact.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(compact[i]))) return std::nullopt;
  }
  size_t first_nonzero = compact.find_first_not_of('0', start);
  if (first_nonzero == std::string::npos) return "0";
  return (negative ? "-" : "") + compact.substr(first_nonzero);
}

}  // namespace grpo
