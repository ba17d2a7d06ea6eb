#include "tokenizer/huggingface/added_tokens.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "tokenizer/huggingface/unicode.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {

std::vector<AddedToken> parse_added_tokens(const nlohmann::json& list, const std::string& file) {
  std::vector<AddedToken> tokens;
  if (list.is_null()) return tokens;
  if (!list.is_array()) fail("{}: \"added_tokens\" is not a list", file);
  for (const auto& entry : list) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer() ||
        !entry.contains("content") || !entry["content"].is_string()) {
      fail("{}: an added token is not an object with an integer \"id\" and a string \"content\": {}", file,
           entry.dump().substr(0, 200));
    }
    AddedToken token;
    token.id = entry["id"].get<int64_t>();
    token.content = entry["content"].get<std::string>();
    token.special = entry.value("special", false);
    token.lstrip = entry.value("lstrip", false);
    token.rstrip = entry.value("rstrip", false);
    token.single_word = entry.value("single_word", false);
    token.normalized = entry.value("normalized", !token.special);
    if (token.id < 0)
      fail("{}: added token '{}' has the id {}; ids are 0 or more", file, token.content, token.id);
    if (token.content.empty()) fail("{}: added token {} has an empty \"content\"", file, token.id);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> contents)
    : tokens_(std::move(tokens)), contents_(std::move(contents)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (contents_[i].empty()) continue;
    by_first_byte_[static_cast<unsigned char>(contents_[i][0])].push_back(static_cast<int32_t>(i));
  }
  for (auto& candidates : by_first_byte_) {
    std::stable_sort(candidates.begin(), candidates.end(), [this](int32_t a, int32_t b) {
      return contents_[static_cast<size_t>(a)].size() > contents_[static_cast<size_t>(b)].size();
    });
  }
}

namespace {

// The character before byte offset `at`, or 0 at the start.
char32_t character_before(std::string_view text, size_t at) {
  if (at == 0) return 0;
  size_t begin = at - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  return next_code_point(text, begin);
}

}  // namespace

std::vector<TextPart> AddedTokenMatcher::split(std::string_view text) const {
  if (text.empty()) return {{0, 0, -1}};
  std::vector<TextPart> parts;
  size_t part_start = 0;
  for (size_t at = 0; at < text.size();) {
    const auto& candidates = by_first_byte_[static_cast<unsigned char>(text[at])];
    int32_t found = -1;
    for (int32_t index : candidates) {
      const std::string& content = contents_[static_cast<size_t>(index)];
      if (content.size() <= text.size() - at &&
          std::memcmp(text.data() + at, content.data(), content.size()) == 0) {
        found = index;
        break;
      }
    }
    if (found < 0) {
      ++at;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<size_t>(found)];
    size_t start = at, stop = at + contents_[static_cast<size_t>(found)].size();
    at = stop;
    if (token.single_word) {
      const bool word_before = start > 0 && is_word_character(character_before(text, start));
      size_t after = stop;
      const bool word_after = stop < text.size() && is_word_character(next_code_point(text, after));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > 0) {
        size_t begin = new_start - 1;
        while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
        size_t probe = begin;
        if (!is_whitespace(next_code_point(text, probe))) break;
        new_start = begin;
      }
      start = std::max(new_start, part_start);
    }
    if (token.rstrip) {
      for (size_t probe = stop; probe < text.size();) {
        if (!is_whitespace(next_code_point(text, probe))) break;
        stop = probe;
      }
    }
    if (start > part_start) parts.push_back({part_start, start, -1});
    parts.push_back({start, stop, token.id});
    part_start = stop;
  }
  if (part_start != text.size()) parts.push_back({part_start, text.size(), -1});
  return parts;
}

}  // namespace grpo::hf
