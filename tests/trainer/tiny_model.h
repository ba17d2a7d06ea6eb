// Tiny model directories of chosen sizes for the distillation and pipeline tests (trainer_fixture.cpp): a
// real SentencePiece tokenizer trained on generated text and a small random Llama. make_model_dir(dir) is
// make_tiny_model_dir(dir, {}).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace grpo::testing {

struct TinyModelOptions {
  std::string name = "model";  // the directory under the TempDir
  int64_t vocab_size = 300;    // of the SentencePiece tokenizer trained for it
  int64_t hidden_size = 32;
  uint64_t seed = 3;  // of the random weights
};
std::filesystem::path make_tiny_model_dir(const TempDir& dir, const TinyModelOptions& options);

}  // namespace grpo::testing
