// Countdown: reach a target from given numbers with + - * / and parentheses, each number used exactly once.
// The question text, checking a proposed equation, and a solver that proves a target reachable.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grpo {

// An exact fraction num/den in lowest terms, den > 0. Arithmetic returns nullopt on overflow or division by
// 0.
struct Fraction {
  int64_t num = 0;
  int64_t den = 1;
  bool is_integer() const { return den == 1; }
  bool operator==(const Fraction& other) const { return num == other.num && den == other.den; }
};
std::optional<Fraction> make_fraction(int64_t num, int64_t den);
std::optional<Fraction> apply_operator(char op, const Fraction& left, const Fraction& right);  // op: + - * /
std::string fraction_text(const Fraction& value);                                              // "7" or "7/2"

// "30,100,93", "[30, 100, 93]" or a JSON array of integers -> numbers; throws grpo::Error saying what is
// wrong.
std::vector<int64_t> parse_countdown_numbers(const nlohmann::json& value);
// "23" or 23 -> 23; throws grpo::Error otherwise.
int64_t parse_countdown_target(const nlohmann::json& value);

// "Using the numbers [30, 100, 93], create an equation that equals 23. ..." (TinyZero's wording).
std::string countdown_question(const std::vector<int64_t>& numbers, int64_t target);

// Whether `equation` ("(100 - 93) + 30 - 14", optionally "= 23" at the end) uses exactly `numbers` (as a
// multiset) and equals `target`, evaluated exactly by the rewards library; `reason` says why not.
bool check_countdown_equation(const std::string& equation, const std::vector<int64_t>& numbers,
                              int64_t target, std::string* reason = nullptr);

// An equation using each number exactly once that equals `target` (intermediate fractions allowed), or
// nullopt when none exists: an exhaustive depth-first search that remembers multisets of values already found
// to fail. `max_steps` > 0 bounds the search (nullopt then also means "gave up"); 0 searches to the end.
std::optional<std::string> solve_countdown(const std::vector<int64_t>& numbers, int64_t target,
                                           size_t max_steps = 0);

}  // namespace grpo
