// Model presets for `grpo init`: generic sizes (tiny / small / base, Llama-style) and the shapes of real
// families (qwen2.5-0.5b, qwen3-0.6b, llama3.2-1b) with tiny variants of each family that keep the real
// vocabulary, for tests and for pre-training from scratch with a real tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace grpo {

struct ModelPreset {
  std::string name;
  std::string description;  // one line for --help
  bool family = false;      // a real family's architecture and vocabulary size (model_type, rope, tied head)
};

const std::vector<ModelPreset>& model_presets();

// The configuration of `preset`. Generic presets take `vocab_size` (> 0); family presets have the family's
// own embedding rows (padded beyond its tokenizer, as the published checkpoints are), used when `vocab_size`
// is 0.
ModelConfig preset_config(const std::string& preset, int64_t vocab_size);

}  // namespace grpo
