// The mutations a fuzz run applies to its inputs: bit flips, random bytes, insertions and deletions, copies
// of a range, the target's dictionary tokens, interesting numbers inserted as text, written over a number
// of the text, or as 8-byte length prefixes, truncation and splicing with another input. One seeded
// generator, so a run is repeatable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace grpo::fuzz {

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> dictionary, size_t max_size);

  // 1 to 8 mutations of `input`; `pool` supplies the other half of a splice. The result is at most max_size.
  std::string mutate(std::string input, const std::vector<std::string>& pool);
  // A uniform draw in [0, n); 0 when n is 0.
  size_t below(size_t n);

 private:
  void mutate_once(std::string& s, const std::vector<std::string>& pool);

  std::mt19937_64 rng_;
  std::vector<std::string> dictionary_;
  size_t max_size_;
};

}  // namespace grpo::fuzz
