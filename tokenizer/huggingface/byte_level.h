// GPT-2's byte-level alphabet: each of the 256 bytes as one printable character (space -> "Ġ", newline ->
// "Ċ"), so that any text is a string over a 256-character vocabulary.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace grpo::hf {

// The UTF-8 text of byte b's character.
const std::array<std::string, 256>& byte_to_unicode();
// `bytes` with every byte replaced by its character.
std::string bytes_to_unicode_text(std::string_view bytes);
// The byte a character stands for, or -1 when `code_point` is not in the alphabet.
int unicode_to_byte(char32_t code_point);

}  // namespace grpo::hf
