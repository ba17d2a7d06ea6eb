#include "datasets/seeded_random.h"

#include "core/error.h"

namespace grpo {

uint64_t mix64(uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

uint64_t hash_text(std::string_view text, uint64_t basis) {
  uint64_t hash = basis;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

SeededRandom SeededRandom::for_item(uint64_t seed, std::string_view stream, uint64_t index) {
  return SeededRandom(mix64(mix64(seed ^ hash_text(stream)) ^ mix64(index + 0x632be59bd9b4e019ULL)));
}

uint64_t SeededRandom::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t SeededRandom::uniform(int64_t low, int64_t high) {
  if (high < low) fail("SeededRandom::uniform: empty range [{}, {}]", low, high);
  uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  if (span == UINT64_MAX) return static_cast<int64_t>(next());
  uint64_t range = span + 1;
  uint64_t limit = UINT64_MAX - UINT64_MAX % range;  // reject the uneven tail
  uint64_t value = next();
  while (value >= limit) value = next();
  return static_cast<int64_t>(static_cast<uint64_t>(low) + value % range);
}

}  // namespace grpo
