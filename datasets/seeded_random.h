// SeededRandom: a small deterministic random generator (splitmix64) whose streams are the same on every
// platform and standard library, so that a seed names the same shuffles and the same generated problems
// everywhere.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace grpo {

// One step of splitmix64: a good 64-bit mix of `value`.
uint64_t mix64(uint64_t value);
// A stable 64-bit hash of text (FNV-1a), for naming streams and fingerprinting data.
uint64_t hash_text(std::string_view text, uint64_t basis = 0xcbf29ce484222325ULL);

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  // The generator for item `index` of stream `stream` under `seed`: items are independent of one another, so
  // any item can be produced without producing the ones before it.
  static SeededRandom for_item(uint64_t seed, std::string_view stream, uint64_t index);

  uint64_t next();
  // Uniform integer in [low, high] (inclusive), without modulo bias.
  int64_t uniform(int64_t low, int64_t high);
  // Uniform index in [0, count).
  size_t index(size_t count) { return static_cast<size_t>(uniform(0, static_cast<int64_t>(count) - 1)); }
  // True with probability numerator / denominator.
  bool chance(int64_t numerator, int64_t denominator) { return uniform(1, denominator) <= numerator; }

  template <typename T>
  void shuffle(std::vector<T>& items) {  // Fisher-Yates
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[index(i)]);
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[index(items.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace grpo
