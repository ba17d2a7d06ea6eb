// Pre-tokenizers of tokenizer.json: ByteLevel (with or without GPT-2's regex), Split (a regex or string, each
// `behavior`, `invert`), Digits, Metaspace, Whitespace, WhitespaceSplit, Sequence. Each cuts the pieces of
// text into smaller pieces; the model then tokenizes every piece on its own.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace grpo::hf {

struct Piece {
  std::string text;
  bool at_text_start = false;  // begins at offset 0 of the original text (Metaspace's prepend_scheme "first")
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// The pre-tokenizer a tokenizer.json "pre_tokenizer" object describes; nullptr for null.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const std::string& file);

// GPT-2's byte-level pre-tokenizer, as `vocab.json` + `merges.txt` tokenizers use it (no prefix space, with
// its regex).
std::unique_ptr<PreTokenizer> make_gpt2_pre_tokenizer();

}  // namespace grpo::hf
