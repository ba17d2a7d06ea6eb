// A small seeded mutation fuzzer for grpo's parsers of untrusted input (tests/fuzz, opt-in: cmake
// -DGRPO_FUZZ_TESTS=ON, ctest -L fuzz). Each fuzz_*.cpp gives seeds (valid inputs), a dictionary of tokens
// its format cares about, and the function under test; the driver feeds it `--runs` mutated inputs drawn from
// one seeded generator, so a run is repeatable.
//
// Contract checked: the function returns, or throws grpo::Error (a clear message about bad input). A finding
// ends the run with a nonzero exit status and the input saved to fuzz_<name>.crash: any other exception
// (std::out_of_range, nlohmann's json errors, std::bad_alloc, c10::Error), a crash (signal), one input
// running longer than --seconds-per-input (a hang or a super-linear scan), an allocation beyond --memory-mb
// of headroom (a size taken from the input without a check), and, in a sanitizer build
// (-DGRPO_SANITIZE_ADDRESS=ON / -DGRPO_SANITIZE_UNDEFINED=ON), any memory error or undefined behaviour the
// sanitizers report. Inputs the function accepts join the pool mutated from, so the run reaches past the
// first checks (a cheap stand-in for coverage feedback).
//
// Why not libFuzzer: it needs clang and its runtime besides the project's g++ toolchain and a second
// LibTorch-compatible build; this driver builds with the compiler and libraries the project already uses.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace grpo::fuzz {

// Thrown by a target when a property it checks does not hold (a round trip that changes the value, two
// readers that disagree): always a finding, never mistaken for a refusal with grpo::Error.
struct Finding : std::logic_error {
  using std::logic_error::logic_error;
};

struct Target {
  std::string name;
  std::vector<std::string> seeds;       // valid inputs
  std::vector<std::string> dictionary;  // tokens worth inserting ("\"dtype\"", "{,}", "\\boxed{")
  std::function<void(const std::string&)> run;
  size_t max_size = 1 << 16;  // bytes of one input
};

// main() of a fuzz target:
//   fuzz_NAME [--runs N] [--seed S] [--seconds-per-input T] [--memory-mb M] [--reproduce FILE]
int run_main(int argc, char** argv, const Target& target);

}  // namespace grpo::fuzz
