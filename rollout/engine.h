// RolloutEngine: batched autoregressive sampling of G completions per prompt with a KV cache.
//
// Work is split into waves of rows that decode together (at most memory.max_decode_rows rows when bounded).
// In a wave, prompts are left-padded to a common length with explicit positions and a key mask; each prompt
// is prefilled once and its cache rows are duplicated for its G samples. Finished rows are dropped from the
// batch, so they stop costing compute. engine.cpp reads as: prefill, then per token: sample and record, drop
// finished rows, decode step (the no-cache benchmark baseline recomputes the whole sequence instead of the
// decode step).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "tokenizer/tokenizer.h"

namespace grpo {

class RolloutEngine {
 public:
  // `tokenizer` may be null: then completions carry no text and stop strings are refused.
  // generation_eos_ids: more ids that end a completion, as generation_config.json's eos_token_id does in
  // transformers (generation_eos_token_ids reads them from a model directory). Each must be a row of the
  // model's embedding.
  RolloutEngine(Transformer model, const Tokenizer* tokenizer, std::vector<int64_t> generation_eos_ids = {});

  // prompts: token ids (callers add bos and apply templates). Throws grpo::Error for an empty prompt, a
  // prompt that leaves no room in the model's context, or bad options.
  GenerationResult generate(const std::vector<std::vector<int64_t>>& prompts,
                            const GenerationOptions& options);

  // The end-of-sequence id used (the tokenizer's, else the model config's).
  int64_t eos_id() const { return eos_id_; }

  // The tokens that end a completion (finish reason "eos") when options.stop_at_eos: options.eos_token_id
  // when set, else eos_id(), the config's eos_token_id, its extra_eos_token_ids (a list in config.json) and
  // the generation_eos_ids given to the constructor, sorted.
  std::vector<int64_t> end_token_ids(const GenerationOptions& options) const;

 private:
  Transformer model_;
  const Tokenizer* tokenizer_;
  int64_t eos_id_;
  std::vector<int64_t> generation_eos_ids_;
};

// generation_config.json's eos_token_id (an id or a list) in `model_directory`; none when the file is absent.
// Throws grpo::Error naming the file for an id outside [0, vocab_size).
std::vector<int64_t> generation_eos_token_ids(const std::filesystem::path& model_directory,
                                              int64_t vocab_size);

}  // namespace grpo
