// Unicode operations the normalizers and added-token rules need, from ICU: normalization forms, per-character
// lowercasing (as Rust's char::to_lowercase), and the character classes Rust's `char` methods test.
#pragma once

#include <string>
#include <string_view>

namespace grpo::hf {

enum class NormalizationForm { NFC, NFD, NFKC, NFKD };

std::string normalize_unicode(std::string_view text, NormalizationForm form);
// Each character lowercased on its own (full case mapping, no context: Rust's
// str::chars().flat_map(to_lowercase)).
std::string lowercase(std::string_view text);

bool is_whitespace(char32_t c);  // Rust char::is_whitespace (White_Space)
bool is_word_character(
    char32_t c);  // Rust regex `\w`: alphabetic, marks, decimal digits, connector punctuation

}  // namespace grpo::hf
