// Training a SentencePiece tokenizer from text files and/or JSONL dataset fields (`grpo tokenizer train`),
// keeping the reasoning tags `<think>`, `</think>`, `<answer>`, `</answer>` as single tokens.
//
// Ids of a model trained here: <unk> = 0, <s> (bos) = 1, </s> (eos) = 2, <pad> = 3 (Llama's first three, plus
// a pad), then the user-defined symbols in order from 4 (`<think>` = 4, `</think>` = 5, `<answer>` = 6,
// `</answer>` = 7 with the defaults), then the learned pieces.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace grpo {

constexpr int64_t kTrainedUnkId = 0;
constexpr int64_t kTrainedBosId = 1;
constexpr int64_t kTrainedEosId = 2;
constexpr int64_t kTrainedPadId = 3;

// The tags GRPO's reasoning format uses; they must stay single tokens.
std::vector<std::string> reasoning_special_tokens();

struct SentencePieceTrainOptions {
  std::vector<std::filesystem::path> text_files;  // plain text, one sentence per line
  std::vector<std::filesystem::path>
      jsonl_files;  // datasets: the `jsonl_fields` of each row are used as text
  std::vector<std::string> jsonl_fields = {"question", "answer"};
  std::filesystem::path output;  // the .model file to write (atomically), e.g. DIR/tokenizer.model
  int64_t vocab_size = 8000;
  // unigram | bpe | char. SentencePiece's `word` model is refused: it cannot keep user-defined symbols whole.
  std::string model_type = "unigram";
  std::vector<std::string> user_defined_symbols = reasoning_special_tokens();
  double character_coverage = 1.0;  // 1.0 keeps every character seen; 0.9995 suits large CJK corpora
  bool byte_fallback = true;        // unseen characters become byte tokens, not <unk> (costs 256 ids)
  bool split_digits = true;         // every digit its own token: helps arithmetic
  int64_t max_sentences = 2000000;  // sample at most this many lines (SentencePiece's input_sentence_size)
  int threads = 0;                  // 0 = all cores
  bool verbose = false;             // SentencePiece's own progress log on stderr
};

// Trains, writes options.output (creating its directory), and returns the tokenizer loaded from it.
// Throws grpo::Error for a missing input, a bad JSONL row (file:line and field named), no text at all, or
// options SentencePiece refuses (its message is passed on, e.g. a vocabulary too large for the corpus).
std::unique_ptr<Tokenizer> train_sentencepiece(const SentencePieceTrainOptions& options);

}  // namespace grpo
