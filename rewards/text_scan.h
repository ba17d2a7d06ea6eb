// Small linear-time helpers for scanning untrusted text: ASCII whitespace, trimming, safe quoting for
// reasons.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/strings.h"

namespace grpo::text {

// The whitespace every reward uses: ASCII space, tab, newline, carriage return, form feed, vertical tab.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline char to_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view text);
bool is_blank(std::string_view text);
using ::grpo::ends_with;  // core/strings.h
using ::grpo::starts_with;

// A short, printable, valid-UTF-8 rendering of untrusted text in double quotes (a '"' inside becomes \"), for
// reasons and error messages: invalid bytes and control characters become escapes (\n, \t, \xNN), and text
// longer than `max_bytes` is cut with "...".
std::string quote(std::string_view text, size_t max_bytes = 60);

// The same rendering without the surrounding quotes and without escaping '"' (for text shown as it
// is: reasons in a summary, JSON excerpts in error messages).
std::string printable(std::string_view text, size_t max_bytes = 60);

// The same bytes with every invalid UTF-8 sequence replaced by U+FFFD (for JSON and logs).
std::string valid_utf8(std::string_view text);

}  // namespace grpo::text
