// ModelConfig: the architecture of a Llama / Qwen2 / Qwen3 decoder, read from and written to Hugging Face's
// config.json (the fields keep their Hugging Face names).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace grpo {

// Rotary frequency scaling, config.json's "rope_scaling": none (Hugging Face's "default"), "linear" (every
// frequency divided by factor), or "llama3" (Llama 3.1 / 3.2: wavelengths above original / low_freq_factor
// divided by factor, below original / high_freq_factor kept, a smooth blend between).
struct RopeScaling {
  std::string type;  // "" = none, "linear", "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;                     // llama3 only
  double high_freq_factor = 4.0;                    // llama3 only
  int64_t original_max_position_embeddings = 8192;  // llama3 only
  bool operator==(const RopeScaling& other) const;
};

struct ModelConfig {
  std::string model_type = "llama";  // "llama", "qwen2" or "qwen3"
  int64_t vocab_size = 32000;
  int64_t hidden_size = 256;
  int64_t intermediate_size = 688;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 4;
  int64_t head_dim = 0;  // 0 = hidden_size / num_attention_heads (HF's default)
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // Qwen2 always has q/k/v biases; Llama and Qwen3 q/k/v/o when this is true
  int64_t bos_token_id = 1;
  int64_t eos_token_id = 2;  // HF allows a list; the first one is used, the rest kept in extra_eos_token_ids
  std::vector<int64_t> extra_eos_token_ids;
  int64_t pad_token_id = -1;            // -1 = none
  std::string torch_dtype = "float32";  // float32 | bfloat16 | float16: the dtype the weights are stored in
  std::string hidden_act = "silu";

  int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  bool has_qkv_bias() const { return model_type == "qwen2" || attention_bias; }
  bool has_o_bias() const { return model_type != "qwen2" && attention_bias; }
  // Qwen3: an RMSNorm over each head's queries and keys (q_norm / k_norm, [head_dim]) before the rotation.
  bool has_qk_norm() const { return model_type == "qwen3"; }
  // Every weight the config implies; saturates at INT64_MAX (validate() refuses configs that large).
  int64_t parameter_count() const;

  // Throws grpo::Error with the field and value when the configuration is unusable.
  void validate() const;

  static ModelConfig from_json(const nlohmann::json& json, const std::string& source = "config.json");
  nlohmann::json to_json() const;
  static ModelConfig load(const std::filesystem::path& path);
  void save(const std::filesystem::path& path) const;

  static const std::vector<std::string>& supported_model_types();
};

}  // namespace grpo
