#include "evaluation_fixture.h"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model/model_dir.h"
#include "test_support.h"
#include "tokenizer/train_sentencepiece.h"

namespace grpo::testing {

namespace {

namespace fs = std::filesystem;

// English-like lines with numbers, the R1 template's words and the reasoning tags, from a fixed seed.
void write_corpus(const fs::path& path) {
  const std::vector<std::string> words = {
      "the",      "a",      "box",          "stack",     "on",     "top",          "of",
      "red",      "blue",   "green",        "what",      "is",     "answer",       "think",
      "question", "user",   "asks",         "assistant", "solves", "it",           "and",
      "then",     "moves",  "number",       "plus",      "minus",  "times",        "equals",
      "how",      "many",   "books",        "are",       "there",  "first",        "reasoning",
      "process",  "mind",   "provides",     "with",      "tags",   "conversation", "between",
      "enclosed", "within", "respectively", "here",      "i.e.",   "teacher",      "counts"};
  std::mt19937 rng(7);
  std::ofstream out(path);
  for (int line = 0; line < 3000; ++line) {
    const int length = 4 + static_cast<int>(rng() % 12);
    for (int w = 0; w < length; ++w) {
      if (w > 0) out << ' ';
      if (rng() % 6 == 0) {
        out << rng() % 1000;
      } else {
        out << words[rng() % words.size()];
      }
      if (rng() % 9 == 0) out << (rng() % 2 == 0 ? "." : ",");
    }
    if (line % 5 == 0)
      out << " <think> " << words[rng() % words.size()] << " </think> <answer> " << rng() % 100
          << " </answer>";
    out << ":\n";
  }
}

TinyModelDirectory build() {
  static TempDir temp;  // removed at exit
  TinyModelDirectory tiny;
  tiny.directory = temp / "tiny-model";
  fs::create_directories(tiny.directory);
  write_corpus(temp / "corpus.txt");

  SentencePieceTrainOptions options;
  options.text_files = {temp / "corpus.txt"};
  options.output = tiny.directory / "tokenizer.model";
  options.vocab_size = 400;
  options.model_type = "bpe";
  options.threads = 1;
  tiny.tokenizer = train_sentencepiece(options);

  ModelConfig config;
  config.model_type = "llama";
  config.vocab_size = tiny.tokenizer->vocab_size();
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 512;
  config.bos_token_id = tiny.tokenizer->bos_id();
  config.eos_token_id = tiny.tokenizer->eos_id();
  config.pad_token_id = tiny.tokenizer->pad_id();
  tiny.model = Transformer(config);
  initialize_weights(*tiny.model, 5, 0.2);  // a wide init: varied, rarely repeating greedy text
  tiny.model->eval();
  save_model(*tiny.model, tiny.directory);
  return tiny;
}

}  // namespace

const TinyModelDirectory& tiny_model_directory() {
  static const TinyModelDirectory tiny = build();
  return tiny;
}

}  // namespace grpo::testing
