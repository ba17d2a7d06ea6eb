// HuggingFaceTokenizer: the Tokenizer over a Hugging Face `tokenizer.json` (the fast tokenizers' file:
// Qwen2.5/3, Llama-3, DeepSeek, SmolLM2, Mistral-Nemo, ...) or GPT-2's `vocab.json` + `merges.txt`, encoding
// exactly as the Rust `tokenizers` library does: added tokens are found first, the rest is normalized,
// pre-tokenized and tokenized by the BPE model.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/huggingface/added_tokens.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace grpo {

namespace hf {
class Normalizer;
class PreTokenizer;
class BpeModel;
class PostProcessor;
class Decoder;
}  // namespace hf

class HuggingFaceTokenizer : public Tokenizer {
 public:
  // Throws grpo::Error naming the file when it is missing, malformed, or uses a component grpo lacks.
  // `config` (a model directory's tokenizer_config.json) wins over the file for special tokens and
  // add_bos/add_eos, as in transformers; its unset fields keep what the file implies.
  static std::unique_ptr<HuggingFaceTokenizer> from_tokenizer_json(const std::filesystem::path& file,
                                                                   const TokenizerConfig& config = {});
  // `source` names the text's origin in error messages.
  static std::unique_ptr<HuggingFaceTokenizer> from_json_text(const std::string& text,
                                                              const std::string& source,
                                                              const TokenizerConfig& config = {});
  // GPT-2's files: byte-level BPE with GPT-2's regex; `<|endoftext|>` (when in the vocabulary) is a special
  // token.
  static std::unique_ptr<HuggingFaceTokenizer> from_gpt2_files(const std::filesystem::path& vocab_json,
                                                               const std::filesystem::path& merges_txt,
                                                               const TokenizerConfig& config = {});
  ~HuggingFaceTokenizer() override;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::vector<int64_t> encode_with_special_tokens(const std::string& text) const override;
  // Special added tokens (<|im_end|>) decode as nothing; the others (<think>) as written.
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const;
  std::string id_to_piece(int64_t id) const override;
  int64_t piece_to_id(const std::string& piece) const override;
  int64_t vocab_size() const override { return vocab_size_; }
  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return pad_id_; }
  int64_t unk_id() const override { return unk_id_; }
  std::vector<std::string> special_tokens() const override;
  std::string kind() const override { return kind_; }

  const std::vector<hf::AddedToken>& added_tokens() const { return added_tokens_; }
  const std::string& source() const { return source_; }

 private:
  HuggingFaceTokenizer();
  void finish(const TokenizerConfig& config);
  void encode_text(const std::string& text, bool at_text_start, std::vector<int64_t>& ids) const;
  int64_t id_of_setting(const std::optional<std::string>& token, const char* name) const;

  std::string source_;
  std::string kind_;
  std::unique_ptr<hf::Normalizer> normalizer_;
  std::unique_ptr<hf::PreTokenizer> pre_tokenizer_;
  std::unique_ptr<hf::BpeModel> model_;
  std::unique_ptr<hf::PostProcessor> post_processor_;
  std::unique_ptr<hf::Decoder> decoder_;
  std::vector<hf::AddedToken> added_tokens_;
  hf::AddedTokenMatcher raw_matcher_;         // added tokens with normalized: false
  hf::AddedTokenMatcher normalized_matcher_;  // the others, matched on normalized text
  std::vector<int32_t> added_index_by_id_;    // id -> index into added_tokens_, -1 for model tokens
  int64_t vocab_size_ = 0;
  int64_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1, unk_id_ = -1;
  std::vector<int64_t> prefix_ids_, suffix_ids_;  // what encode_with_special_tokens adds
};

}  // namespace grpo
