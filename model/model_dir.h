// A model directory, in Hugging Face's layout: config.json, model.safetensors (or shards + index),
// tokenizer.model, and optionally generation_config.json. load_model / save_model move a Transformer in and
// out of one.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>

#include "model/config.h"
#include "model/presets.h"
#include "model/safetensors.h"
#include "model/transformer.h"

namespace grpo {

// Loads config.json and the weights; checks every expected tensor is present with the right shape (missing,
// unexpected and mis-shaped tensors are reported by name). The model is placed on `device` in `dtype`
// (default: float32, which training needs).
Transformer load_model(const std::filesystem::path& directory, torch::Device device = torch::kCPU,
                       torch::Dtype dtype = torch::kFloat32);

// Writes config.json and model weights (in config.torch_dtype) into `directory` (created if needed); with a
// tied head, lm_head.weight is not written (as Hugging Face does); with LoRA adapters, the merged weights
// (model/lora.h). Files are written atomically, one by one.
void save_model(TransformerImpl& model, const std::filesystem::path& directory, int64_t max_shard_bytes = 0);
// The same with the weights stored in `torch_dtype` ("float32", "bfloat16", "float16") whatever the config
// says; config.json records it. Checkpoints that must resume exactly save "float32".
void save_model_as(TransformerImpl& model, const std::filesystem::path& directory,
                   const std::string& torch_dtype, int64_t max_shard_bytes = 0);

// Hugging Face names -> tensors of the model (lm_head.weight omitted when tied; LoRA adapters left out).
TensorMap model_state(TransformerImpl& model);

}  // namespace grpo
