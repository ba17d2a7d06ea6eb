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

NamedShapes layer_tensor_shapes(const ModelConfig& config) {
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
  shapes.push_back({"mlp.gate_proj.weight", {f, d}});
  shapes.push_back({"mlp.up_proj.weight", {f, d}});
  shapes.push_back({"mlp.down_proj.weight", {d, f}});
  return shapes;
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
  if (std::stoll(digits) >= config.num_hidden_layers) return std::nullopt;
  const std::string rest = name.substr(end + 1);
  for (const auto& [tensor, shape] : layer_tensor_shapes(config)) {
    if (tensor == rest) return shape;
  }
  return std::nullopt;
}

}  // namespace grpo
