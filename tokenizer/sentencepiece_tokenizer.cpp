#include "tokenizer/sentencepiece_tokenizer.h"

#include <limits>
#include <system_error>

#include "core/error.h"
#include "core/files.h"
#include "tokenizer/sentencepiece_library.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLoadHint =
    "a SentencePiece tokenizer is a `.model` file as written by spm_train or `grpo tokenizer train`";

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_file(const fs::path& model_file) {
  std::error_code ec;
  if (!fs::exists(model_file, ec)) {
    fail("SentencePiece model '{}' does not exist; {}", model_file.string(), kLoadHint);
  }
  if (fs::is_directory(model_file, ec)) {
    fail("SentencePiece model '{}' is a directory, not a file; {}", model_file.string(), kLoadHint);
  }
  // Read here (clear errors for unreadable files), parse in the shim.
  return from_bytes(read_file(model_file), model_file.string());
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_bytes(const std::string& model_bytes,
                                                                           const std::string& source) {
  const SentencePieceLibrary& library = sentencepiece_library();
  if (model_bytes.empty()) fail("SentencePiece model '{}' is empty; {}", source, kLoadHint);
  char* error = nullptr;
  grpo_sp_model* model = library.load_bytes(model_bytes.data(), model_bytes.size(), &error);
  if (!model) {
    fail(
        "cannot load SentencePiece model '{}' ({} bytes): {}; "
        "the file is corrupt or not a SentencePiece model; {}",
        source, model_bytes.size(), library.take_error(error), kLoadHint);
  }
  return std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer(model, source));
}

SentencePieceTokenizer::SentencePieceTokenizer(grpo_sp_model* model, std::string source)
    : model_(model), source_(std::move(source)) {
  const SentencePieceLibrary& library = sentencepiece_library();
  vocab_size_ = library.vocab_size(model_);
  bos_id_ = library.bos_id(model_);
  eos_id_ = library.eos_id(model_);
  pad_id_ = library.pad_id(model_);
  unk_id_ = library.unk_id(model_);
  for (int64_t id = 0; id < vocab_size_; ++id) {
    if (is_control(id) || is_user_defined(id)) special_tokens_.push_back(id_to_piece(id));
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  sentencepiece_library().free_model(model_);
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
  const SentencePieceLibrary& library = sentencepiece_library();
  int32_t* ids = nullptr;
  size_t count = 0;
  char* error = nullptr;
  if (library.encode(model_, text.data(), text.size(), &ids, &count, &error) != 0) {
    fail("SentencePiece model '{}' could not encode a text of {} bytes: {}", source_, text.size(),
         library.take_error(error));
  }
  std::vector<int64_t> result(ids, ids + count);
  library.free_buffer(ids);
  return result;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int32_t> narrow(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size_) {
      fail(
          "cannot decode token id {} at position {}: the tokenizer '{}' has ids 0 to {}; restrict sampling "
          "to the "
          "tokenizer's vocabulary",
          ids[i], i, source_, vocab_size_ - 1);
    }
    narrow[i] = static_cast<int32_t>(ids[i]);
  }
  const SentencePieceLibrary& library = sentencepiece_library();
  char* text = nullptr;
  size_t text_size = 0;
  char* error = nullptr;
  if (library.decode(model_, narrow.data(), narrow.size(), &text, &text_size, &error) != 0) {
    fail("SentencePiece model '{}' could not decode {} ids: {}", source_, ids.size(),
         library.take_error(error));
  }
  std::string result(text, text_size);
  library.free_buffer(text);
  return result;
}

std::string SentencePieceTokenizer::id_to_piece(int64_t id) const {
  if (id < 0 || id >= vocab_size_) {
    fail("token id {} is outside the vocabulary of '{}' (ids 0 to {})", id, source_, vocab_size_ - 1);
  }
  size_t size = 0;
  const char* piece = sentencepiece_library().id_to_piece(model_, static_cast<int32_t>(id), &size);
  return std::string(piece, size);
}

int64_t SentencePieceTokenizer::piece_to_id(const std::string& piece) const {
  return sentencepiece_library().piece_to_id(model_, piece.data(), piece.size());
}

std::string SentencePieceTokenizer::join_continuation(const std::string& preceding,
                                                      const std::vector<int64_t>& continuation_ids,
                                                      const std::string& text) const {
  if (preceding.empty() || continuation_ids.empty() || text.empty()) return preceding + text;
  static const std::string word_start = "\xE2\x96\x81";  // SentencePiece's "▁"
  const std::string first_piece = id_to_piece(continuation_ids.front());
  const bool starts_word = first_piece.compare(0, word_start.size(), word_start) == 0;
  const bool space_present = text.front() == ' ' || preceding.back() == ' ';
  return starts_word && !space_present ? preceding + " " + text : preceding + text;
}

int SentencePieceTokenizer::piece_type(int64_t id) const {
  if (id < 0 || id >= vocab_size_) return 0;
  return sentencepiece_library().piece_type(model_, static_cast<int32_t>(id));
}

bool SentencePieceTokenizer::is_control(int64_t id) const {
  return piece_type(id) == GRPO_SP_CONTROL;
}

bool SentencePieceTokenizer::is_user_defined(int64_t id) const {
  return piece_type(id) == GRPO_SP_USER_DEFINED;
}

}  // namespace grpo
