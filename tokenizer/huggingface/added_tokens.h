// Added tokens of tokenizer.json ("added_tokens"): texts such as `<|im_start|>` or `<think>` that are always
// one id, found in the text before pre-tokenization, with their lstrip/rstrip/single_word rules. Tokens with
// `normalized: false` are matched on the raw text; the others on the normalized text.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace grpo::hf {

struct AddedToken {
  int64_t id = -1;
  std::string content;
  bool special = false;      // skipped when decoding with skip_special_tokens
  bool lstrip = false;       // swallows the whitespace on its left
  bool rstrip = false;       // swallows the whitespace on its right
  bool single_word = false;  // only matches when not inside a word
  bool normalized = false;   // matched on the normalized text
};

std::vector<AddedToken> parse_added_tokens(const nlohmann::json& list, const std::string& file);

// A part of a text: an added token (id >= 0) or text between tokens (id -1).
struct TextPart {
  size_t begin, end;
  int64_t id;
};

// Finds a set of added tokens in text: leftmost match first, the longest at a position (as the Rust library's
// Aho-Corasick LeftmostLongest search).
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `tokens` with `contents` the texts to look for (the normalized content for normalized tokens).
  AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> contents);
  bool empty() const { return tokens_.empty(); }
  // The parts of `text`, covering it in order; one (0, 0, -1) part for an empty text.
  std::vector<TextPart> split(std::string_view text) const;

 private:
  std::vector<AddedToken> tokens_;
  std::vector<std::string> contents_;
  std::array<std::vector<int32_t>, 256> by_first_byte_;  // token indexes, longest content first
};

}  // namespace grpo::hf
