#include "fuzz_mutator.h"

#include <cstring>
#include <utility>

namespace grpo::fuzz {

namespace {

// Numbers that sit on a boundary of some integer or floating-point type, written as text.
const char* const kTextNumbers[] = {"0",
                                    "-1",
                                    "1",
                                    "255",
                                    "65536",
                                    "2147483647",
                                    "-2147483648",
                                    "4294967296",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "18446744073709551615",
                                    "4611686018427387904",
                                    "2305843009213693952",
                                    "1e308",
                                    "-0",
                                    "1.5",
                                    "NaN",
                                    "99999999999999999999"};

// The same for binary length prefixes (safetensors' u64 header length).
const uint64_t kBinaryNumbers[] = {0,
                                   1,
                                   7,
                                   8,
                                   0xff,
                                   0x7fffffff,
                                   0xffffffff,
                                   0x7fffffffffffffffULL,
                                   0xffffffffffffffffULL,
                                   0x100000000ULL,
                                   100000000};

template <typename T, size_t N>
constexpr size_t count_of(const T (&)[N]) {
  return N;
}

}  // namespace

Mutator::Mutator(uint64_t seed, std::vector<std::string> dictionary, size_t max_size)
    : rng_(seed), dictionary_(std::move(dictionary)), max_size_(max_size) {}

size_t Mutator::below(size_t n) {
  return n == 0 ? 0 : static_cast<size_t>(rng_() % n);
}

std::string Mutator::mutate(std::string input, const std::vector<std::string>& pool) {
  const size_t count = 1 + below(8);
  for (size_t i = 0; i < count; ++i) mutate_once(input, pool);
  if (input.size() > max_size_) input.resize(max_size_);
  return input;
}

void Mutator::mutate_once(std::string& s, const std::vector<std::string>& pool) {
  const size_t at = below(s.size() + 1);
  switch (below(13)) {
    case 0:  // flip a bit
      if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1u << below(8));
      break;
    case 1:  // a random byte
      if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
      break;
    case 2:  // insert random bytes
      s.insert(at, std::string(1 + below(4), static_cast<char>(below(256))));
      break;
    case 3:  // delete a range
      if (!s.empty()) s.erase(below(s.size()), 1 + below(16));
      break;
    case 4: {  // copy a range elsewhere
      if (s.empty()) break;
      const std::string piece = s.substr(below(s.size()), 1 + below(64));
      s.insert(below(s.size() + 1), piece);
      break;
    }
    case 5:
    case 6:  // a dictionary token
      if (!dictionary_.empty()) s.insert(at, dictionary_[below(dictionary_.size())]);
      break;
    case 7:  // an interesting number, as text
      s.insert(at, kTextNumbers[below(count_of(kTextNumbers))]);
      break;
    case 8: {  // an interesting 8-byte little-endian integer over existing bytes, mostly at the start
      if (s.size() < 8) break;
      const uint64_t value = kBinaryNumbers[below(count_of(kBinaryNumbers))];
      const size_t where = below(2) == 0 ? 0 : below(s.size() - 7);
      std::memcpy(&s[where], &value, 8);
      break;
    }
    case 9:  // truncate
      s.resize(below(s.size() + 1));
      break;
    case 11:
    case 12: {  // replace a number written in the text (a shape, an offset, a count) with an interesting one
      const size_t digit = s.find_first_of("0123456789", at);
      if (digit == std::string::npos) break;
      const size_t end = s.find_first_not_of("0123456789", digit);
      s.replace(digit, (end == std::string::npos ? s.size() : end) - digit,
                kTextNumbers[below(count_of(kTextNumbers))]);
      break;
    }
    case 10: {  // splice: this input's head with another input's tail
      const std::string& other = pool[below(pool.size())];
      if (other.empty()) break;
      const size_t from = below(other.size());
      s = s.substr(0, at) + other.substr(from, below(other.size() - from + 1));
      break;
    }
  }
}

}  // namespace grpo::fuzz
