// ModelConfig: the architecture of a Llama / Qwen2 / Qwen3 decoder, or of its mixture-of-experts variants
// (Qwen2-MoE, Qwen3-MoE, Mixtral), read from and written to Hugging Face's config.json (the fields keep their
// Hugging Face names).
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

// The mixture-of-experts part of a configuration (absent, num_experts = 0, for dense models). Hugging Face's
// names: Qwen2-MoE / Qwen3-MoE num_experts (Mixtral: num_local_experts), num_experts_per_tok,
// moe_intermediate_size (Mixtral: intermediate_size), shared_expert_intermediate_size (Qwen2-MoE's shared
// expert with its sigmoid gate), norm_topk_prob, decoder_sparse_step, mlp_only_layers, router_aux_loss_coef.
// DeepSeek-V3's names for its routing, read on any MoE model_type (transformers' Qwen / Mixtral classes
// ignore them, so a checkpoint using them is exact here only): scoring_func ("softmax" | "sigmoid"),
// topk_method ("greedy" | "noaux_tc": a per-expert balancing bias added to the scores for the choice of
// experts only, stored as mlp.gate.e_score_correction_bias), routed_scaling_factor, n_shared_experts (ungated
// shared experts of moe_intermediate_size each) and first_k_dense_replace.
struct MoeConfig {
  int64_t num_experts = 0;  // routed experts per sparse layer; 0 = a dense model
  int64_t num_experts_per_tok = 0;
  int64_t moe_intermediate_size = 0;            // each routed expert's SwiGLU width
  int64_t shared_expert_intermediate_size = 0;  // Qwen2-MoE: a gated shared expert of this width (0 = none)
  int64_t n_shared_experts = 0;                 // DeepSeek-V3: ungated shared experts (0 = none)
  bool norm_topk_prob = false;                  // renormalise the top-k weights to sum to 1 (Mixtral always)
  int64_t decoder_sparse_step = 1;              // layer i is sparse when (i + 1) % step == 0 ...
  std::vector<int64_t> mlp_only_layers;         // ... and it is not listed here ...
  int64_t first_k_dense_replace = 0;            // ... and i >= this
  double router_aux_loss_coef = 0.0;  // coefficient of the sequence-level balance loss (0 = not computed)
  bool output_router_logits = false;  // kept for the round trip (transformers adds its loss when true)
  std::string scoring_func = "softmax";
  std::string topk_method = "greedy";
  double routed_scaling_factor = 1.0;
  bool operator==(const MoeConfig& other) const;
};

struct ModelConfig {
  std::string model_type = "llama";  // "llama", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe" or "mixtral"
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
  MoeConfig moe;

  int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  bool qwen2_attention() const { return model_type == "qwen2" || model_type == "qwen2_moe"; }
  bool has_qkv_bias() const { return qwen2_attention() || attention_bias; }
  bool has_o_bias() const { return !qwen2_attention() && attention_bias; }
  // Qwen3: an RMSNorm over each head's queries and keys (q_norm / k_norm, [head_dim]) before the rotation.
  bool has_qk_norm() const { return model_type == "qwen3" || model_type == "qwen3_moe"; }
  bool is_moe() const { return moe.num_experts > 0; }
  // Whether decoder layer `layer` has the sparse block (else the dense MLP of intermediate_size).
  bool is_sparse_layer(int64_t layer) const;
  int64_t sparse_layer_count() const;
  // Mixtral names its block "block_sparse_moe" and its experts' projections w1 / w3 / w2.
  bool mixtral_names() const { return model_type == "mixtral"; }
  // Every weight the config implies (and the balancing biases); saturates at INT64_MAX (validate() refuses
  // configs that large).
  int64_t parameter_count() const;
  // The weights one token uses: the total without the routed experts it is not sent to.
  int64_t active_parameter_count() const;

  // Throws grpo::Error with the field and value when the configuration is unusable.
  void validate() const;

  static ModelConfig from_json(const nlohmann::json& json, const std::string& source = "config.json");
  nlohmann::json to_json() const;
  static ModelConfig load(const std::filesystem::path& path);
  void save(const std::filesystem::path& path) const;

  static const std::vector<std::string>& supported_model_types();
};

}  // namespace grpo
