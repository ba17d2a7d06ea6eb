#include "model/model_dir.h"

#include <torch/nn/utils.h>
#include <torch/types.h>

#include <fmt/format.h>

#include <set>
#include <vector>

#include "core/error.h"
#include "model/safetensors.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

torch::Dtype dtype_from_name(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  fail("torch_dtype \"{}\" is not supported; use float32, bfloat16 or float16", name);
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
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

std::string describe_list(const std::vector<std::string>& names) {
  constexpr size_t kShown = 5;
  std::string text;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) text += (i == 0 ? "'" : ", '") + names[i] + "'";
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

}  // namespace

ModelConfig preset_config(const std::string& preset, int64_t vocab_size) {
  ModelConfig config;
  config.vocab_size = vocab_size;
  config.max_position_embeddings = 2048;
  // Body sizes (without embeddings): tiny 0.74M, small 9.4M, base 50.4M; the embedding and the untied head
  // add 2 * vocab * hidden, so at a 1,000-piece vocabulary: 0.99M, 10.2M, 51.9M. Head dim 32 for tiny, 64
  // otherwise; intermediate ~8/3 hidden, as Llama; grouped-query attention.
  if (preset == "tiny") {
    config.hidden_size = 128;
    config.intermediate_size = 352;
    config.num_hidden_layers = 4;
    config.num_attention_heads = 4;
    config.num_key_value_heads = 2;
  } else if (preset == "small") {
    config.hidden_size = 384;
    config.intermediate_size = 1024;
    config.num_hidden_layers = 6;
    config.num_attention_heads = 6;
    config.num_key_value_heads = 2;
  } else if (preset == "base") {
    config.hidden_size = 768;
    config.intermediate_size = 2048;
    config.num_hidden_layers = 8;
    config.num_attention_heads = 12;
    config.num_key_value_heads = 4;
  } else {
    fail("unknown model preset '{}'; presets: tiny (~1M parameters), small (~10M), base (~50M)", preset);
  }
  config.validate();
  return config;
}

TensorMap model_state(TransformerImpl& model) {
  TensorMap state;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) state.emplace(item.key(), item.value());
  if (model.config().tie_word_embeddings) state.erase("lm_head.weight");
  return state;
}

Transformer load_model(const fs::path& directory, torch::Device device, torch::Dtype dtype) {
  if (!fs::is_directory(directory)) {
    fail("model directory '{}' does not exist (create one with `grpo init {}`)", directory.string(),
         directory.string());
  }
  ModelConfig config = ModelConfig::load(directory / "config.json");
  std::map<std::string, fs::path> tensor_files;
  TensorMap weights = read_model_weights(directory, &tensor_files);

  Transformer model(config);
  model->to(dtype);
  TensorMap expected = model_state(*model);

  std::vector<std::string> missing, unexpected;
  for (const auto& [name, parameter] : expected) {
    if (weights.count(name) == 0) missing.push_back(name);
  }
  for (const auto& [name, tensor] : weights) {
    if (expected.count(name) != 0 || ignorable_tensor(name)) continue;
    // A tied model's checkpoint may still carry the head (a copy of the embedding): Hugging Face ignores it
    // too.
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    unexpected.push_back(name);
  }
  if (!missing.empty()) {
    std::string hint = missing.size() == 1 && missing.front() == "lm_head.weight"
                           ? " (config.json says tie_word_embeddings = false; a tied model sets it true)"
                           : "";
    fail("'{}': missing tensor{} {} that config.json ({}, {} layers) needs{}",
         weights_file(directory).string(), missing.size() == 1 ? "" : "s", describe_list(missing),
         config.model_type, config.num_hidden_layers, hint);
  }
  if (!unexpected.empty()) {
    fail("'{}': unexpected tensor{} {} that config.json ({}, {} layers{}) does not describe",
         tensor_files.at(unexpected.front()).string(), unexpected.size() == 1 ? "" : "s",
         describe_list(unexpected), config.model_type, config.num_hidden_layers,
         config.has_qkv_bias() ? ", q/k/v biases" : ", no attention biases");
  }

  torch::NoGradGuard no_grad;
  for (auto& [name, parameter] : expected) {
    const torch::Tensor& stored = weights.at(name);
    if (stored.sizes() != parameter.sizes()) {
      fail(
          "'{}': tensor '{}' has shape {} but config.json (hidden_size {}, intermediate_size {}, vocab_size "
          "{}) "
          "needs {}",
          tensor_files.at(name).string(), name, shape_string(stored.sizes()), config.hidden_size,
          config.intermediate_size, config.vocab_size, shape_string(parameter.sizes()));
    }
    if (!stored.is_floating_point()) {
      fail("'{}': tensor '{}' holds {} values; weights must be floating point",
           tensor_files.at(name).string(), name, c10::toString(stored.scalar_type()));
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
  for (const auto& [name, tensor] : model_state(model)) {
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
