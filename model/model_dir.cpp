#include "model/model_dir.h"

#include <torch/nn/utils.h>
#include <torch/types.h>

#include <fmt/format.h>

#include <set>
#include <vector>

#include "core/error.h"
#include "core/strings.h"
#include "model/device.h"
#include "model/lora.h"
#include "model/safetensors.h"
#include "model/tensor_layout.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

torch::Dtype dtype_from_name(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  fail("torch_dtype \"{}\" is not supported; use float32, bfloat16 or float16", name);
}

std::string shape_string(c10::IntArrayRef shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// Names that checkpoints may carry but that are not parameters: older transformers saved the rotary inverse
// frequencies; the model recomputes them from rope_theta.
bool ignorable_tensor(const std::string& name) {
  return ends_with(name, "rotary_emb.inv_freq");
}

// Where a message should point for a tensor that is absent: the index when sharded, else the single file.
fs::path weights_file(const fs::path& directory) {
  fs::path index = directory / "model.safetensors.index.json";
  return fs::exists(index) ? index : directory / "model.safetensors";
}

constexpr size_t kNamesShown = 5;

// 'a', 'b', 'c' and 4 more: the first names of a list of `total` (default: names.size()).
std::string describe_list(const std::vector<std::string>& names, int64_t total = -1) {
  if (total < 0) total = static_cast<int64_t>(names.size());
  std::string text;
  size_t shown = 0;
  for (; shown < names.size() && shown < kNamesShown; ++shown)
    text += (shown == 0 ? "'" : ", '") + names[shown] + "'";
  if (total > static_cast<int64_t>(shown))
    text += fmt::format(" and {} more", total - static_cast<int64_t>(shown));
  return text;
}

}  // namespace

TensorMap model_state(TransformerImpl& model) {
  TensorMap state;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (is_lora_parameter(item.key())) continue;  // LoRA adapters: see merged_model_state
    state.emplace(item.key(), item.value());
  }
  // Buffers that checkpoints carry: the MoE balancing biases (mlp.gate.e_score_correction_bias).
  for (const auto& item : model.named_buffers(/*recurse=*/true)) state.emplace(item.key(), item.value());
  if (model.config().tie_word_embeddings) state.erase("lm_head.weight");
  return state;
}

namespace {

bool floating_point_dtype(const std::string& safetensors_dtype) {
  return safetensors_dtype == "F32" || safetensors_dtype == "BF16" || safetensors_dtype == "F16" ||
         safetensors_dtype == "F64";
}

// Compares the checkpoint's header with the tensors config.json implies, before anything is allocated:
// missing, unexpected and mis-shaped tensors are reported by name (the first kind found, in that order).
void check_checkpoint_layout(const fs::path& directory, const ModelConfig& config,
                             const std::map<std::string, SafetensorsEntry>& entries,
                             const std::map<std::string, fs::path>& tensor_files) {
  std::vector<std::string> unexpected;
  int64_t present = 0;
  for (const auto& [name, entry] : entries) {
    if (expected_tensor_shape(config, name)) {
      ++present;
      continue;
    }
    if (ignorable_tensor(name)) continue;
    // A tied model's checkpoint may still carry the head (a copy of the embedding): Hugging Face ignores it
    // too.
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    unexpected.push_back(name);
  }
  const int64_t expected_count = expected_tensor_count(config);
  if (present < expected_count) {
    // Name the first few missing ones without enumerating an absurd number of layers.
    std::vector<std::string> missing;
    for_each_expected_tensor(config, [&](const std::string& name, const TensorShape&) {
      if (entries.count(name) == 0) missing.push_back(name);
      return missing.size() < kNamesShown;
    });
    const int64_t count = expected_count - present;
    const std::string names = describe_list(missing, count);
    std::string hint = count == 1 && missing.front() == "lm_head.weight"
                           ? " (config.json says tie_word_embeddings = false; a tied model sets it true)"
                           : "";
    fail("'{}': missing tensor{} {} that config.json ({}, {} layers) needs{}",
         weights_file(directory).string(), count == 1 ? "" : "s", names, config.model_type,
         config.num_hidden_layers, hint);
  }
  if (!unexpected.empty()) {
    const std::string features =
        std::string(config.has_qkv_bias() ? ", q/k/v biases" : ", no attention biases") +
        (config.has_qk_norm() ? ", q/k norms" : "");
    fail("'{}': unexpected tensor{} {} that config.json ({}, {} layers{}) does not describe",
         tensor_files.at(unexpected.front()).string(), unexpected.size() == 1 ? "" : "s",
         describe_list(unexpected), config.model_type, config.num_hidden_layers, features);
  }
  for (const auto& [name, entry] : entries) {
    const auto shape = expected_tensor_shape(config, name);
    if (!shape) continue;
    if (entry.shape != *shape) {
      fail(
          "'{}': tensor '{}' has shape {} but config.json (hidden_size {}, intermediate_size {}, vocab_size "
          "{}, "
          "head dim {}) needs {}",
          tensor_files.at(name).string(), name, shape_string(entry.shape), config.hidden_size,
          config.intermediate_size, config.vocab_size, config.resolved_head_dim(), shape_string(*shape));
    }
    if (!floating_point_dtype(entry.dtype)) {
      fail("'{}': tensor '{}' holds {} values; weights must be floating point",
           tensor_files.at(name).string(), name, entry.dtype);
    }
  }
}

}  // namespace

Transformer load_model(const fs::path& directory, torch::Device device, torch::Dtype dtype) {
  if (!fs::is_directory(directory)) {
    fail("model directory '{}' does not exist (create one with `grpo init {}`)", directory.string(),
         directory.string());
  }
  check_dtype_supported_on(dtype, device);
  ModelConfig config = ModelConfig::load(directory / "config.json");
  std::map<std::string, fs::path> tensor_files;
  check_checkpoint_layout(directory, config, read_model_weight_headers(directory, &tensor_files),
                          tensor_files);

  TensorMap weights = read_model_weights(directory);
  Transformer model(config);
  model->to(dtype);
  torch::NoGradGuard no_grad;
  for (auto& [name, parameter] : model_state(*model)) {
    const torch::Tensor& stored = weights.at(name);
    if (stored.sizes() != parameter.sizes()) {  // the header check above already guarantees it
      fail("'{}': tensor '{}' has shape {}, the model {}", directory.string(), name,
           shape_string(stored.sizes()), shape_string(parameter.sizes()));
    }
    parameter.copy_(stored);  // converts to the model's dtype
  }
  weights.clear();
  model->to(device);
  return model;
}

void save_model_as(TransformerImpl& model, const fs::path& directory, const std::string& torch_dtype,
                   int64_t max_shard_bytes) {
  ModelConfig config = model.config();
  config.torch_dtype = torch_dtype;
  config.validate();
  const torch::Dtype stored_dtype = dtype_from_name(torch_dtype);
  TensorMap stored;
  // With LoRA adapters, the weights they give (PEFT's merge_and_unload): what other tools load.
  for (const auto& [name, tensor] :
       has_lora_adapters(model) ? merged_model_state(model) : model_state(model)) {
    stored.emplace(name, tensor.detach().to(torch::kCPU, stored_dtype).contiguous());
  }
  fs::create_directories(directory);
  // File by file, each replaced atomically (temporary name, fsync, rename): weights first, then config.json.
  write_model_weights(directory, stored, max_shard_bytes);
  config.save(directory / "config.json");
}

void save_model(TransformerImpl& model, const fs::path& directory, int64_t max_shard_bytes) {
  save_model_as(model, directory, model.config().torch_dtype, max_shard_bytes);
}

}  // namespace grpo
