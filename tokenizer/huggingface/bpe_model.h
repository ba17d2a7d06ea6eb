// BpeModel: the "BPE" model of tokenizer.json (and of GPT-2's vocab.json + merges.txt): a piece of text is
// split into characters, then the adjacent pair with the lowest merge rank is merged until no pair merges,
// exactly as Hugging Face `tokenizers` does (including byte_fallback, unk_token/fuse_unk, ignore_merges, and
// the continuing_subword_prefix / end_of_word_suffix). Merge ranks live in a hash table; words are cached.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/huggingface/token_tables.h"

namespace grpo::hf {

struct BpeOptions {
  std::string unk_token;  // empty: characters outside the vocabulary are dropped (as in `tokenizers`)
  bool fuse_unk = false;
  bool byte_fallback = false;  // such characters become their <0xXX> byte tokens when the vocabulary has them
  bool ignore_merges = false;  // a piece that is itself in the vocabulary is one token
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
};

class BpeModel {
 public:
  // `vocab`: token text -> id; `merges`: pairs in rank order. `source` names the file in errors (a merge
  // naming a token that is not in the vocabulary, or whose merged text is not).
  BpeModel(const std::vector<std::pair<std::string, int64_t>>& vocab,
           const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
           const std::string& source);

  // Appends the ids of one pre-tokenized piece.
  void tokenize(const std::string& piece, std::vector<int64_t>& ids) const;

  int64_t token_to_id(std::string_view token) const { return table_.find(token); }
  // The token's text, or nullptr when no token has that id.
  const std::string* id_to_token(int64_t id) const;
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }  // largest id + 1
  int64_t unk_id() const { return unk_id_; }

 private:
  std::vector<int32_t> merge_word(const std::string& piece) const;

  std::vector<std::string> tokens_;  // by id; "" for ids no token has
  TokenIdTable table_;
  MergeTable merges_;
  BpeOptions options_;
  int32_t unk_id_ = -1;
  int32_t byte_ids_[256];  // <0xXX> tokens, -1 when absent
  size_t prefix_length_ = 0;

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

// The model a tokenizer.json "model" object describes (only "BPE" is supported).
std::unique_ptr<BpeModel> make_model(const nlohmann::json& spec, const std::string& file);

}  // namespace grpo::hf
