// Loading a model directory for inference (`grpo sample`, `grpo eval`): the weights on the chosen device and
// dtype, in eval mode, and the directory's tokenizer, with clear errors for a wrong path.
// A checkpoint or a run directory may stand for the model (see model_path.h).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "app/model_path.h"
#include "core/error.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "tokenizer/tokenizer.h"

namespace grpo::app {

struct InferenceModel {
  Transformer model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<int64_t> generation_eos_ids;  // generation_config.json's eos_token_id: they end completions too
};

// "float32" | "bfloat16" | "float16" -> the torch dtype.
inline torch::Dtype parse_inference_dtype(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  fail("--dtype '{}' is not supported; use float32, bfloat16 or float16", name);
}

// `directory`: a model directory, a checkpoint or a run directory (resolve_model_directory).
inline InferenceModel load_inference_model(const std::string& directory, const std::string& device_name,
                                           const std::string& dtype_name, bool quiet) {
  const std::string model_directory = resolve_model_directory(directory, "--model", quiet);
  const torch::Device device = parse_device(device_name);
  const torch::Dtype dtype = parse_inference_dtype(dtype_name);
  InferenceModel loaded;
  loaded.tokenizer = load_tokenizer(model_directory);
  loaded.model = load_model(model_directory, device, dtype);
  loaded.model->eval();
  loaded.generation_eos_ids = generation_eos_token_ids(model_directory, loaded.model->config().vocab_size);
  return loaded;
}

}  // namespace grpo::app
