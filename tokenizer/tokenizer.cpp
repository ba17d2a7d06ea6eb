#include "tokenizer/tokenizer.h"

#include <system_error>

#include "core/error.h"
#include "tokenizer/huggingface/huggingface_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace grpo {

namespace fs = std::filesystem;

std::vector<int64_t> Tokenizer::encode_with_special_tokens(const std::string& text) const {
  std::vector<int64_t> ids;
  if (bos_id() >= 0) ids.push_back(bos_id());
  const std::vector<int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

std::string Tokenizer::join_continuation(const std::string& preceding, const std::vector<int64_t>&,
                                         const std::string& continuation_text) const {
  return preceding + continuation_text;
}

namespace {

std::unique_ptr<Tokenizer> load_file(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string extension = file.extension().string();
  if (name == "vocab.json" || name == "merges.txt") {
    return HuggingFaceTokenizer::from_gpt2_files(file.parent_path() / "vocab.json",
                                                 file.parent_path() / "merges.txt");
  }
  if (extension == ".json") return HuggingFaceTokenizer::from_tokenizer_json(file);
  return SentencePieceTokenizer::from_file(file);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& directory_or_file) {
  std::error_code ec;
  if (!fs::is_directory(directory_or_file, ec)) return load_file(directory_or_file);

  const fs::path& directory = directory_or_file;
  // tokenizer_config.json's special tokens and add_bos/add_eos win over tokenizer.json's, as in transformers.
  const auto config = [&directory] { return find_tokenizer_config(directory).value_or(TokenizerConfig{}); };
  if (fs::exists(directory / "tokenizer.json", ec)) {
    return HuggingFaceTokenizer::from_tokenizer_json(directory / "tokenizer.json", config());
  }
  if (fs::exists(directory / "tokenizer.model", ec))
    return SentencePieceTokenizer::from_file(directory / "tokenizer.model");
  if (fs::exists(directory / "vocab.json", ec) && fs::exists(directory / "merges.txt", ec)) {
    return HuggingFaceTokenizer::from_gpt2_files(directory / "vocab.json", directory / "merges.txt",
                                                 config());
  }
  fail(
      "model directory '{}' has no tokenizer (tokenizer.json, tokenizer.model, or vocab.json + merges.txt); "
      "copy the model's tokenizer files there, or train a SentencePiece model with `grpo tokenizer train "
      "--out {}`",
      directory.string(), (directory / "tokenizer.model").string());
}

}  // namespace grpo
