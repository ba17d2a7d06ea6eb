#include "tokenizer/huggingface/byte_level.h"

#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves, the others to U+0100 onwards in
// order.
std::array<char32_t, 256> byte_code_points() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> result;
    const auto code_points = byte_code_points();
    for (int b = 0; b < 256; ++b) append_utf8(result[b], code_points[b]);
    return result;
  }();
  return table;
}

std::string bytes_to_unicode_text(std::string_view bytes) {
  const auto& table = byte_to_unicode();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += table[static_cast<unsigned char>(c)];
  return out;
}

int unicode_to_byte(char32_t code_point) {
  static const std::array<int, 324> inverse = [] {
    std::array<int, 324> result;
    result.fill(-1);
    const auto code_points = byte_code_points();
    for (int b = 0; b < 256; ++b) result[code_points[b]] = b;
    return result;
  }();
  return code_point < inverse.size() ? inverse[code_point] : -1;
}

}  // namespace grpo::hf
