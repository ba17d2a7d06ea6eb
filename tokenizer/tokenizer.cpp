#include "tokenizer/tokenizer.h"

#include <system_error>

#include "core/error.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace grpo {

namespace fs = std::filesystem;

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& directory_or_file) {
  std::error_code ec;
  if (!fs::is_directory(directory_or_file, ec)) return SentencePieceTokenizer::from_file(directory_or_file);

  const fs::path model_file = directory_or_file / "tokenizer.model";
  if (fs::exists(model_file, ec)) return SentencePieceTokenizer::from_file(model_file);
  if (fs::exists(directory_or_file / "tokenizer.json", ec)) {
    fail(
        "model directory '{}' has tokenizer.json but no tokenizer.model: only SentencePiece tokenizers are "
        "supported; use a model that ships tokenizer.model, or train one with "
        "`grpo tokenizer train --out {}`",
        directory_or_file.string(), model_file.string());
  }
  fail(
      "model directory '{}' has no tokenizer.model; copy a SentencePiece model there or train one with "
      "`grpo tokenizer train --out {}`",
      directory_or_file.string(), model_file.string());
}

}  // namespace grpo
