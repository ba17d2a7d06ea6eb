// Tokenizer: the interface the rest of grpo uses for text <-> token ids. SentencePiece is the implementation
// shipped (sentencepiece_tokenizer.h); a Hugging Face model directory's `tokenizer.model` loads as it is.
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
  // their single ids when the model defines them as user-defined symbols.
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  // One token's text as the model stores it ("▁the"), and back; piece_to_id returns -1 when unknown.
  virtual std::string id_to_piece(int64_t id) const = 0;
  virtual int64_t piece_to_id(const std::string& piece) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t bos_id() const = 0;  // -1 when the model has none
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t unk_id() const = 0;
  // Pieces with a special role, in id order: control symbols (`<s>`, `</s>`, `<pad>`: ids only, never produced by
  // encode, decoded as nothing) and user-defined symbols (`<think>`, `</answer>`, ...: always one id, decoded as
  // written).
  virtual std::vector<std::string> special_tokens() const = 0;
};

// Loads `tokenizer.model` from a model directory, or a `.model` file given directly.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& directory_or_file);

}  // namespace grpo
