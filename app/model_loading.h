// Loading a model directory for inference (`grpo sample`, `grpo eval`): the weights on the chosen device and
// dtype, in eval mode, and the directory's tokenizer, with clear errors for a wrong path.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace grpo::app {

struct InferenceModel {
  Transformer model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
};

// "float32" | "bfloat16" | "float16" -> the torch dtype.
inline torch::Dtype parse_inference_dtype(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  fail("--dtype '{}' is not supported; use float32, bfloat16 or float16", name);
}

inline InferenceModel load_inference_model(const std::string& directory, const std::string& device_name,
                                           const std::string& dtype_name) {
  namespace fs = std::filesystem;
  if (directory.empty()) fail("no model given: name a model directory with --model DIR (see `grpo init`)");
  if (!fs::is_directory(directory)) {
    fail(
        "--model '{}' is not a directory; give a model directory made by `grpo init` or a Hugging Face "
        "download (config.json, model.safetensors, tokenizer.model)",
        directory);
  }
  const torch::Device device = parse_device(device_name);
  const torch::Dtype dtype = parse_inference_dtype(dtype_name);
  InferenceModel loaded;
  loaded.tokenizer = load_tokenizer(directory);
  loaded.model = load_model(directory, device, dtype);
  loaded.model->eval();
  return loaded;
}

}  // namespace grpo::app
