#include "tokenizer/huggingface/utf8.h"

#include <algorithm>

namespace grpo::hf {

char32_t next_code_point(std::string_view text, size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const size_t length = std::min(utf8_length(lead), text.size() - at);
  char32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i)
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  at += length;
  return code_point;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

namespace {

// Bytes of the longest valid prefix of a UTF-8 sequence at `at` (0 when the lead byte is invalid), and
// whether the sequence is complete. The ranges are those of the Unicode standard (Table 3-7), as Rust applies
// them.
size_t valid_prefix(std::string_view text, size_t at, bool& complete) {
  const auto b0 = static_cast<unsigned char>(text[at]);
  complete = false;
  if (b0 < 0x80) {
    complete = true;
    return 1;
  }
  size_t need = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  size_t length = 1;
  for (; length < need; ++length) {
    if (at + length >= text.size()) return length;
    const auto b = static_cast<unsigned char>(text[at + length]);
    const unsigned char lo = length == 1 ? low : 0x80, hi = length == 1 ? high : 0xBF;
    if (b < lo || b > hi) return length;
  }
  complete = true;
  return need;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    bool complete = false;
    const size_t length = valid_prefix(text, at, complete);
    if (!complete) return false;
    at += length;
  }
  return true;
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t at = 0; at < bytes.size();) {
    bool complete = false;
    const size_t length = valid_prefix(bytes, at, complete);
    if (complete) {
      out.append(bytes.substr(at, length));
      at += length;
    } else {
      out += "\xEF\xBF\xBD";
      at += length == 0 ? 1 : length;
    }
  }
  return out;
}

}  // namespace grpo::hf
