// Tokenizer: the interface the rest of grpo uses for text <-> token ids. Implementations: SentencePiece
// (sentencepiece_tokenizer.h, a `tokenizer.model`) and Hugging Face's tokenizer.json / GPT-2 vocab.json +
// merges.txt (huggingface/huggingface_tokenizer.h). load_tokenizer picks one for a model directory or a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace grpo {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text -> ids, without bos/eos (callers add them). Special tokens written in the text (`<think>`) map to
  // their single ids when the model defines them (SentencePiece user-defined symbols, tokenizer.json added
  // tokens).
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  // Text -> ids with the special tokens the tokenizer puts around a text (transformers'
  // add_special_tokens=True): SentencePiece adds bos when it has one; tokenizer.json its post-processor, or
  // what tokenizer_config.json's add_bos_token / add_eos_token ask for.
  virtual std::vector<int64_t> encode_with_special_tokens(const std::string& text) const;
  // Control/special tokens (bos, eos, <|im_end|>) decode as nothing; user-defined ones (<think>) as written.
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  // `preceding` (a prompt or a forced prefix) followed by a continuation: its ids and their decode() text.
  // SentencePiece drops the word-boundary space of a continuation decoded on its own ("▁red" -> "red"), which
  // this restores; byte-level tokenizers keep every space, so this is preceding + continuation_text.
  virtual std::string join_continuation(const std::string& preceding,
                                        const std::vector<int64_t>& continuation_ids,
                                        const std::string& continuation_text) const;
  // One token's text as the model stores it ("▁the", "Ġthe"), and back; piece_to_id returns -1 when unknown.
  virtual std::string id_to_piece(int64_t id) const = 0;
  virtual int64_t piece_to_id(const std::string& piece) const = 0;
  virtual int64_t vocab_size() const = 0;  // largest id + 1, added tokens included
  virtual int64_t bos_id() const = 0;      // -1 when the model has none
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t unk_id() const = 0;
  // Pieces with a special role, in id order: SentencePiece control symbols (`<s>`, `</s>`, `<pad>`: ids only,
  // never produced by encode, decoded as nothing) and user-defined symbols (`<think>`: always one id, decoded
  // as written); a tokenizer.json's added tokens.
  virtual std::vector<std::string> special_tokens() const = 0;
  // What kind of tokenizer this is, for `grpo info` ("SentencePiece", "tokenizer.json (BPE)", ...).
  virtual std::string kind() const = 0;
};

// A tokenizer from a model directory or a tokenizer file. A directory: tokenizer.json first (as transformers'
// fast tokenizers), then tokenizer.model, then vocab.json + merges.txt. A file: `tokenizer.json` (any
// *.json), a SentencePiece `.model`, or a `vocab.json`/`merges.txt` with its partner beside it.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& directory_or_file);

}  // namespace grpo
