#include "datasets/countdown_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <unordered_set>

#include "core/error.h"
#include "datasets/seeded_random.h"
#include "datasets/text_snippet.h"
#include "rewards/countdown_expression.h"

namespace grpo {

std::optional<Fraction> make_fraction(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  if (num == INT64_MIN || den == INT64_MIN) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int64_t divisor = std::gcd(num < 0 ? -num : num, den);
  if (divisor > 1) {
    num /= divisor;
    den /= divisor;
  }
  return Fraction{num, den};
}

std::optional<Fraction> apply_operator(char op, const Fraction& a, const Fraction& b) {
  int64_t x = 0;
  int64_t y = 0;
  int64_t z = 0;
  switch (op) {
    case '+':
    case '-': {
      // a.num/a.den +- b.num/b.den = (a.num*b.den +- b.num*a.den) / (a.den*b.den)
      if (__builtin_mul_overflow(a.num, b.den, &x) || __builtin_mul_overflow(b.num, a.den, &y) ||
          __builtin_mul_overflow(a.den, b.den, &z)) {
        return std::nullopt;
      }
      int64_t sum = 0;
      if (op == '+' ? __builtin_add_overflow(x, y, &sum) : __builtin_sub_overflow(x, y, &sum))
        return std::nullopt;
      return make_fraction(sum, z);
    }
    case '*':
      if (__builtin_mul_overflow(a.num, b.num, &x) || __builtin_mul_overflow(a.den, b.den, &y))
        return std::nullopt;
      return make_fraction(x, y);
    case '/':
      if (b.num == 0) return std::nullopt;
      if (__builtin_mul_overflow(a.num, b.den, &x) || __builtin_mul_overflow(a.den, b.num, &y))
        return std::nullopt;
      return make_fraction(x, y);
  }
  return std::nullopt;
}

std::string fraction_text(const Fraction& value) {
  return value.den == 1 ? std::to_string(value.num) : fmt::format("{}/{}", value.num, value.den);
}

namespace {

std::optional<int64_t> parse_integer(const std::string& text) {
  std::string trimmed;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) trimmed += c;
  }
  if (trimmed.empty() || trimmed.size() > 18) return std::nullopt;
  size_t start = trimmed[0] == '-' ? 1 : 0;
  if (start == trimmed.size()) return std::nullopt;
  for (size_t i = start; i < trimmed.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(trimmed[i]))) return std::nullopt;
  }
  return std::stoll(trimmed);
}

}  // namespace

std::vector<int64_t> parse_countdown_numbers(const nlohmann::json& value) {
  std::vector<int64_t> numbers;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_number_integer())
        fail("countdown numbers should be integers, found {}", snippet(value.dump()));
      numbers.push_back(item.get<int64_t>());
    }
  } else if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (!text.empty() && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto number = parse_integer(piece);
      if (!number)
        fail("countdown numbers should be integers separated by commas, found {}", snippet(value.dump()));
      numbers.push_back(*number);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    fail("countdown numbers should be a list like \"30,100,93\" or [30, 100, 93], found {}",
         snippet(value.dump()));
  }
  if (numbers.size() < 2) fail("countdown needs at least 2 numbers, found {}", snippet(value.dump()));
  if (numbers.size() > 8) fail("countdown takes at most 8 numbers, found {}", numbers.size());
  return numbers;
}

int64_t parse_countdown_target(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_string()) {
    if (auto number = parse_integer(value.get<std::string>())) return *number;
  }
  fail("a countdown target should be an integer, found {}", snippet(value.dump()));
}

std::string countdown_question(const std::vector<int64_t>& numbers, int64_t target) {
  return fmt::format(
      "Using the numbers [{}], create an equation that equals {}. You can use basic arithmetic operations "
      "(+, -, *, /) and each number can only be used once.",
      fmt::join(numbers, ", "), target);
}

bool check_countdown_equation(const std::string& equation, const std::vector<int64_t>& numbers,
                              int64_t target, std::string* reason) {
  auto say = [&](std::string why) {
    if (reason) *reason = std::move(why);
    return false;
  };
  CountdownEvaluation result = evaluate_countdown_equation(equation);
  if (!result.ok) return say(fmt::format("cannot evaluate {}: {}", snippet(equation, 60), result.error));
  std::vector<int64_t> used = result.numbers_used;
  std::vector<int64_t> given = numbers;
  std::sort(used.begin(), used.end());
  std::sort(given.begin(), given.end());
  if (used != given) {
    return say(fmt::format("uses [{}] but the numbers are [{}], each exactly once",
                           fmt::join(result.numbers_used, ", "), fmt::join(numbers, ", ")));
  }
  if (!(result.value == Rational{target, 1})) {
    return say(fmt::format("equals {}, not {}", result.value.to_string(), target));
  }
  if (reason) reason->clear();
  return true;
}

namespace {

// One combination of the search: values i and j (indices into the current list) joined by op; the result goes
// to the end of the list, after the values left in order.
struct Step {
  size_t i;
  size_t j;
  char op;
};

// The values left during the search (at most 8: parse_countdown_numbers' limit), kept without heap
// allocations.
struct Values {
  std::array<Fraction, 8> items;
  size_t size = 0;
};

// A multiset of values as two independent 64-bit hashes of its sorted members: a false match needs both to
// collide at once.
struct MultisetKey {
  uint64_t first;
  uint64_t second;
  bool operator==(const MultisetKey& other) const { return first == other.first && second == other.second; }
};
struct MultisetKeyHash {
  size_t operator()(const MultisetKey& key) const { return static_cast<size_t>(key.first); }
};

// Depth-first search over the multiset of values left, remembering multisets fully explored without success.
// Only values are searched; the equation is rebuilt from the winning steps at the end.
class CountdownSolver {
 public:
  CountdownSolver(int64_t target, size_t max_steps) : target_(Fraction{target, 1}), max_steps_(max_steps) {}

  bool solve(const Values& values) {
    if (max_steps_ > 0 && ++steps_taken_ > max_steps_) {
      gave_up_ = true;
      return false;
    }
    if (values.size == 1) return values.items[0] == target_;
    if (values.size == 2) return finish(values.items[0], values.items[1]);
    MultisetKey key = key_of(values);
    if (dead_ends_.count(key) > 0) return false;
    for (size_t i = 0; i < values.size; ++i) {
      for (size_t j = 0; j < values.size; ++j) {
        if (i == j) continue;
        for (char op : {'+', '-', '*', '/'}) {
          if ((op == '+' || op == '*') && j < i) continue;  // commutative: one order is enough
          auto value = apply_operator(op, values.items[i], values.items[j]);
          if (!value) continue;
          Values next;
          for (size_t k = 0; k < values.size; ++k) {
            if (k != i && k != j) next.items[next.size++] = values.items[k];
          }
          next.items[next.size++] = *value;
          path_.push_back({i, j, op});
          if (solve(next)) return true;
          path_.pop_back();
          if (gave_up_) return false;
        }
      }
    }
    dead_ends_.insert(key);
    return false;
  }

  const std::vector<Step>& path() const { return path_; }

 private:
  // The last combination, tried without building lists: does a op b (or b op a) make the target?
  bool finish(const Fraction& a, const Fraction& b) {
    for (char op : {'+', '-', '*', '/'}) {
      for (size_t order = 0; order < 2; ++order) {
        if (order == 1 && (op == '+' || op == '*')) continue;
        auto value = order == 0 ? apply_operator(op, a, b) : apply_operator(op, b, a);
        if (value && *value == target_) {
          path_.push_back(order == 0 ? Step{0, 1, op} : Step{1, 0, op});
          return true;
        }
      }
    }
    return false;
  }

  static MultisetKey key_of(const Values& values) {
    std::array<std::pair<int64_t, int64_t>, 8> sorted;
    for (size_t k = 0; k < values.size; ++k) sorted[k] = {values.items[k].num, values.items[k].den};
    std::sort(sorted.begin(), sorted.begin() + static_cast<long>(values.size));
    MultisetKey key{0x243f6a8885a308d3ULL ^ values.size, 0x13198a2e03707344ULL ^ values.size};
    for (size_t k = 0; k < values.size; ++k) {
      for (int64_t part : {sorted[k].first, sorted[k].second}) {
        key.first = mix64(key.first ^ static_cast<uint64_t>(part));
        key.second = mix64(key.second + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(part) + 1));
      }
    }
    return key;
  }

  Fraction target_;
  size_t max_steps_;
  size_t steps_taken_ = 0;
  bool gave_up_ = false;
  std::vector<Step> path_;
  std::unordered_set<MultisetKey, MultisetKeyHash> dead_ends_;
};

// "((3 + 4) * 5)" -> "(3 + 4) * 5": the outermost parentheses add nothing.
std::string strip_outer_parentheses(const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return text;
  int depth = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')' && --depth == 0) return text;  // the first '(' closes before the end
  }
  return text.substr(1, text.size() - 2);
}

}  // namespace

std::optional<std::string> solve_countdown(const std::vector<int64_t>& numbers, int64_t target,
                                           size_t max_steps) {
  if (numbers.empty()) return std::nullopt;
  if (numbers.size() > 8) fail("solve_countdown: at most 8 numbers, got {}", numbers.size());
  Values values;
  std::vector<std::string> texts;
  for (int64_t number : numbers) {
    values.items[values.size++] = Fraction{number, 1};
    texts.push_back(std::to_string(number));
  }
  CountdownSolver solver(target, max_steps);
  if (!solver.solve(values)) return std::nullopt;
  for (const Step& step : solver.path()) {  // replay the steps on the texts, as the search did on the values
    std::string joined = fmt::format("({} {} {})", texts[step.i], step.op, texts[step.j]);
    std::vector<std::string> next;
    for (size_t k = 0; k < texts.size(); ++k) {
      if (k != step.i && k != step.j) next.push_back(std::move(texts[k]));
    }
    next.push_back(std::move(joined));
    texts = std::move(next);
  }
  return strip_outer_parentheses(texts[0]);
}

}  // namespace grpo
