// SentencePieceTokenizer: the Tokenizer over any SentencePiece `.model` (unigram, BPE, word, char), reached
// through the libgrpo_sentencepiece.so shim so that SentencePiece's protobuf never meets LibTorch's.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

struct grpo_sp_model;

namespace grpo {

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Throws grpo::Error naming the file when it is missing, unreadable or not a SentencePiece model.
  static std::unique_ptr<SentencePieceTokenizer> from_file(const std::filesystem::path& model_file);
  // `source` names the bytes' origin in error messages.
  static std::unique_ptr<SentencePieceTokenizer> from_bytes(const std::string& model_bytes,
                                                            const std::string& source);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  std::vector<int64_t> encode(const std::string& text) const override;
  // Throws grpo::Error when an id is outside [0, vocab_size()); control ids (bos/eos/pad) decode to nothing.
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string id_to_piece(int64_t id) const override;  // throws when id is out of range
  int64_t piece_to_id(const std::string& piece) const override;
  int64_t vocab_size() const override { return vocab_size_; }
  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return pad_id_; }
  int64_t unk_id() const override { return unk_id_; }
  std::vector<std::string> special_tokens() const override { return special_tokens_; }
  std::string kind() const override { return "SentencePiece"; }
  // Restores the word-boundary space a continuation whose first piece starts a word ("▁red") loses when
  // decoded on its own ("<think> the stack is" + "red" -> "<think> the stack is red").
  std::string join_continuation(const std::string& preceding, const std::vector<int64_t>& continuation_ids,
                                const std::string& continuation_text) const override;

  bool is_control(int64_t id) const;
  bool is_user_defined(int64_t id) const;
  const std::string& source() const { return source_; }

 private:
  SentencePieceTokenizer(grpo_sp_model* model, std::string source);
  int piece_type(int64_t id) const;

  grpo_sp_model* model_;
  std::string source_;
  int64_t vocab_size_ = 0;
  int64_t bos_id_ = -1;
  int64_t eos_id_ = -1;
  int64_t pad_id_ = -1;
  int64_t unk_id_ = -1;
  std::vector<std::string> special_tokens_;
};

}  // namespace grpo
