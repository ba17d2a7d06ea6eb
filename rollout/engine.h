// RolloutEngine: batched autoregressive sampling of G completions per prompt with a KV cache.
//
// Work is split into waves of rows that decode together (at most max_tokens_per_forward rows when bounded). In a
// wave, prompts are left-padded to a common length with explicit positions and a key mask; each prompt is prefilled
// once and its cache rows are duplicated for its G samples. Finished rows are dropped from the batch, so they stop
// costing compute.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "tokenizer/tokenizer.h"

namespace grpo {

class RolloutEngine {
 public:
  // `tokenizer` may be null: then completions carry no text and stop strings are refused.
  RolloutEngine(Transformer model, const Tokenizer* tokenizer);

  // prompts: token ids (callers add bos and apply templates). Throws grpo::Error for an empty prompt, a prompt
  // that leaves no room in the model's context, or bad options.
  GenerationResult generate(const std::vector<std::vector<int64_t>>& prompts, const GenerationOptions& options);

  // The end-of-sequence id used (the tokenizer's, else the model config's).
  int64_t eos_id() const { return eos_id_; }

 private:
  struct Row;
  void run_wave(const std::vector<std::vector<int64_t>>& prompts, std::vector<Row>& rows,
                const GenerationOptions& options, GenerationResult& result, double start_time);

  Transformer model_;
  const Tokenizer* tokenizer_;
  int64_t eos_id_;
};

}  // namespace grpo
