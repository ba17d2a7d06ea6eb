// A tiny random model directory for the evaluation and `grpo sample` / `grpo eval` tests: a SentencePiece
// tokenizer trained here on generated text (the reasoning tags as single tokens) and a small random
// Transformer saved beside it, built once per test process.
#pragma once

#include <filesystem>
#include <memory>

#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace grpo::testing {

struct TinyModelDirectory {
  std::filesystem::path directory;  // config.json, model.safetensors, tokenizer.model
  std::unique_ptr<Tokenizer> tokenizer;
  Transformer model{nullptr};  // the saved weights, in eval mode
};

// Built on first use in a temporary directory that lives until the process ends.
const TinyModelDirectory& tiny_model_directory();

}  // namespace grpo::testing
