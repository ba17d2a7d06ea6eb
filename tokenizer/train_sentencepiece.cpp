#include "tokenizer/train_sentencepiece.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include "core/error.h"
#include "core/files.h"
#include "tokenizer/sentencepiece_library.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/training_corpus.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

// A scratch directory for the corpus extracted from JSONL datasets.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("grpo-tokenizer-train-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string join(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
  return joined;
}

void check_options(const SentencePieceTrainOptions& options) {
  if (options.text_files.empty() && options.jsonl_files.empty()) {
    fail("tokenizer training needs text: give text files (--input) and/or JSONL datasets (--data)");
  }
  if (options.output.empty()) fail("tokenizer training needs an output file (--out DIR/tokenizer.model)");
  if (options.model_type == "word") {
    fail(
        "tokenizer model type 'word' cannot be trained here: SentencePiece's word model looks up "
        "whole words only, so `<think>` and the other reasoning tags would not stay single tokens; "
        "choose unigram, bpe or char");
  }
  const std::vector<std::string> model_types = {"unigram", "bpe", "char"};
  if (std::find(model_types.begin(), model_types.end(), options.model_type) == model_types.end()) {
    fail("unknown tokenizer model type '{}'; choose one of: unigram, bpe, char", options.model_type);
  }
  const int64_t reserved =
      4 + static_cast<int64_t>(options.user_defined_symbols.size()) + (options.byte_fallback ? 256 : 0);
  if (options.vocab_size <= reserved) {
    fail(
        "vocabulary size {} is too small: {} ids are reserved (<unk>, <s>, </s>, <pad>, {} user-defined "
        "symbols{}); choose a larger --vocab-size",
        options.vocab_size, reserved, options.user_defined_symbols.size(),
        options.byte_fallback ? ", 256 byte tokens" : "");
  }
  if (options.jsonl_fields.empty() && !options.jsonl_files.empty()) {
    fail("JSONL datasets were given but no fields to read from them (--fields question,answer)");
  }
  for (const auto& file : options.text_files) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      fail("tokenizer training input '{}' does not exist or is not a file", file.string());
    if (file.string().find(',') != std::string::npos) {
      fail(
          "tokenizer training input '{}' has a comma in its path, which SentencePiece cannot take; rename it",
          file.string());
    }
  }
  for (const auto& symbol : options.user_defined_symbols) {
    if (symbol.empty() || symbol.find(',') != std::string::npos) {
      fail("user-defined symbol '{}' must be non-empty and contain no comma", symbol);
    }
  }
}

}  // namespace

std::vector<std::string> reasoning_special_tokens() {
  return {"<think>", "</think>", "<answer>", "</answer>"};
}

std::unique_ptr<Tokenizer> train_sentencepiece(const SentencePieceTrainOptions& options) {
  check_options(options);
  const SentencePieceLibrary& library = sentencepiece_library();
  ScratchDirectory scratch;

  std::vector<std::string> inputs;
  for (const auto& file : options.text_files) inputs.push_back(file.string());
  if (!options.jsonl_files.empty()) {
    const fs::path corpus_file = scratch.path() / "corpus.txt";
    std::ofstream corpus(corpus_file, std::ios::binary);
    int64_t lines = 0;
    for (const auto& file : options.jsonl_files)
      lines += append_jsonl_fields(file, options.jsonl_fields, corpus);
    corpus.close();
    if (!corpus) fail("cannot write the training corpus '{}' (disk full?)", corpus_file.string());
    if (lines == 0) fail("the JSONL datasets gave no text in fields {}", join(options.jsonl_fields));
    inputs.push_back(corpus_file.string());
  }

  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Llama's settings: identity normalisation and kept whitespace make decode(encode(text)) == text exactly.
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"input", join(inputs)},
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"user_defined_symbols", join(options.user_defined_symbols)},
      {"unk_id", std::to_string(kTrainedUnkId)},
      {"bos_id", std::to_string(kTrainedBosId)},
      {"eos_id", std::to_string(kTrainedEosId)},
      {"pad_id", std::to_string(kTrainedPadId)},
      {"unk_piece", "<unk>"},
      {"bos_piece", "<s>"},
      {"eos_piece", "</s>"},
      {"pad_piece", "<pad>"},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"split_digits", options.split_digits ? "true" : "false"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"input_sentence_size", std::to_string(options.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(threads)},
      {"minloglevel", options.verbose ? "0" : "2"},
  };
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : settings) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }

  char* model_bytes = nullptr;
  size_t model_size = 0;
  char* error = nullptr;
  if (library.train(keys.data(), values.data(), keys.size(), &model_bytes, &model_size, &error) != 0) {
    fail("SentencePiece training ({} model, vocabulary {}, inputs {}) failed: {}", options.model_type,
         options.vocab_size, join(inputs), library.take_error(error));
  }
  std::string serialized(model_bytes, model_size);
  library.free_buffer(model_bytes);

  // Check the result loads before it replaces anything at the output path.
  auto tokenizer = SentencePieceTokenizer::from_bytes(serialized, options.output.string());
  if (options.output.has_parent_path()) fs::create_directories(options.output.parent_path());
  write_file_atomically(options.output, serialized);
  return tokenizer;
}

}  // namespace grpo
