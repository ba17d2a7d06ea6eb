#include "model/tensor_layout.h"

#include <cctype>
#include <limits>

namespace grpo {

namespace {
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
}

int64_t saturating_multiply(int64_t a, int64_t b) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return kMax;
  return product;
}

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return kMax;
  return sum;
}

int64_t element_count(const TensorShape& shape) {
  int64_t count = 1;
  for (int64_t size : shape) count = saturating_multiply(count, size);
  return count;
}

NamedShapes global_tensor_shapes(const ModelConfig& config) {
  const int64_t d = config.hidden_size, vocab = config.vocab_size;
  NamedShapes shapes{{"model.embed_tokens.weight", {vocab, d}}, {"model.norm.weight", {d}}};
  if (!config.tie_word_embeddings) shapes.push_back({"lm_head.weight", {vocab, d}});
  return shapes;
}

namespace {

void add_swiglu(NamedShapes& shapes, const std::string& prefix, int64_t d, int64_t f, bool mixtral_names) {
  shapes.push_back({prefix + (mixtral_names ? "w1" : "gate_proj") + ".weight", {f, d}});
  shapes.push_back({prefix + (mixtral_names ? "w3" : "up_proj") + ".weight", {f, d}});
  shapes.push_back({prefix + (mixtral_names ? "w2" : "down_proj") + ".weight", {d, f}});
}

// The sparse block of an MoE layer, named as Hugging Face's Qwen2MoeSparseMoeBlock / Qwen3MoeSparseMoeBlock /
// MixtralSparseMoeBlock (and DeepSeek-V3's e_score_correction_bias and shared_experts).
void add_sparse_block(NamedShapes& shapes, const ModelConfig& config) {
  const MoeConfig& moe = config.moe;
  const int64_t d = config.hidden_size;
  const std::string block = config.mixtral_names() ? "block_sparse_moe." : "mlp.";
  shapes.push_back({block + "gate.weight", {moe.num_experts, d}});
  if (moe.topk_method == "noaux_tc")
    shapes.push_back({block + "gate.e_score_correction_bias", {moe.num_experts}});
  for (int64_t e = 0; e < moe.num_experts; ++e) {
    add_swiglu(shapes, block + "experts." + std::to_string(e) + ".", d, moe.moe_intermediate_size,
               config.mixtral_names());
  }
  if (moe.shared_expert_intermediate_size > 0) {
    add_swiglu(shapes, block + "shared_expert.", d, moe.shared_expert_intermediate_size, false);
    shapes.push_back({block + "shared_expert_gate.weight", {1, d}});
  }
  if (moe.n_shared_experts > 0) {
    add_swiglu(shapes, block + "shared_experts.", d,
               saturating_multiply(moe.n_shared_experts, moe.moe_intermediate_size), false);
  }
}

}  // namespace

NamedShapes layer_shapes_of_kind(const ModelConfig& config, bool sparse) {
  const int64_t d = config.hidden_size, f = config.intermediate_size, hd = config.resolved_head_dim();
  const int64_t q_width = saturating_multiply(config.num_attention_heads, hd);
  const int64_t kv_width = saturating_multiply(config.num_key_value_heads, hd);
  NamedShapes shapes{{"input_layernorm.weight", {d}},
                     {"post_attention_layernorm.weight", {d}},
                     {"self_attn.q_proj.weight", {q_width, d}},
                     {"self_attn.k_proj.weight", {kv_width, d}},
                     {"self_attn.v_proj.weight", {kv_width, d}},
                     {"self_attn.o_proj.weight", {d, q_width}}};
  if (config.has_qkv_bias()) {
    shapes.push_back({"self_attn.q_proj.bias", {q_width}});
    shapes.push_back({"self_attn.k_proj.bias", {kv_width}});
    shapes.push_back({"self_attn.v_proj.bias", {kv_width}});
  }
  if (config.has_o_bias()) shapes.push_back({"self_attn.o_proj.bias", {d}});
  if (config.has_qk_norm()) {
    shapes.push_back({"self_attn.q_norm.weight", {hd}});
    shapes.push_back({"self_attn.k_norm.weight", {hd}});
  }
  if (sparse) {
    add_sparse_block(shapes, config);
  } else {
    add_swiglu(shapes, "mlp.", d, f, false);
  }
  return shapes;
}

NamedShapes layer_tensor_shapes(const ModelConfig& config, int64_t layer) {
  return layer_shapes_of_kind(config, config.is_sparse_layer(layer));
}

int64_t expected_tensor_count(const ModelConfig& config) {
  const int64_t sparse_layers = config.sparse_layer_count();
  const int64_t dense_layers = config.num_hidden_layers - sparse_layers;
  int64_t count = static_cast<int64_t>(global_tensor_shapes(config).size());
  auto tensors_of = [&](bool sparse) {
    return static_cast<int64_t>(layer_shapes_of_kind(config, sparse).size());
  };
  if (dense_layers > 0) count = saturating_add(count, saturating_multiply(dense_layers, tensors_of(false)));
  if (sparse_layers > 0) count = saturating_add(count, saturating_multiply(sparse_layers, tensors_of(true)));
  return count;
}

std::optional<TensorShape> expected_tensor_shape(const ModelConfig& config, const std::string& name) {
  static const std::string kLayers = "model.layers.";
  if (name.compare(0, kLayers.size(), kLayers) != 0) {
    for (const auto& [global, shape] : global_tensor_shapes(config)) {
      if (global == name) return shape;
    }
    return std::nullopt;
  }
  // "model.layers.<index>.<rest>": a decimal index without leading zeros, below num_hidden_layers.
  size_t end = kLayers.size();
  while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
  const std::string digits = name.substr(kLayers.size(), end - kLayers.size());
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits[0] == '0') || end >= name.size() ||
      name[end] != '.') {
    return std::nullopt;
  }
  const int64_t layer = std::stoll(digits);
  if (layer >= config.num_hidden_layers) return std::nullopt;
  const std::string rest = name.substr(end + 1);
  for (const auto& [tensor, shape] : layer_tensor_shapes(config, layer)) {
    if (tensor == rest) return shape;
  }
  return std::nullopt;
}

}  // namespace grpo
