// UTF-8 helpers for the tokenizer.json implementation: code point iteration and Rust's lossy conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grpo::hf {

// Length in bytes of the UTF-8 character starting with `lead` (1 for a stray continuation or invalid byte).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// The code point at `text[at]` (valid UTF-8 assumed, as std::string inputs are checked on entry); `at`
// advances.
char32_t next_code_point(std::string_view text, size_t& at);
void append_utf8(std::string& out, char32_t code_point);

// Whether `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);
// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes U+FFFD.
std::string utf8_lossy(std::string_view bytes);

}  // namespace grpo::hf
