#include "model/model_summary.h"

#include <fmt/format.h>

#include <cstdlib>

namespace grpo {

std::string grouped_digits(int64_t value) {
  std::string digits = std::to_string(std::llabs(value));
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return (value < 0 ? "-" : "") + grouped;
}

std::string short_count(int64_t value) {
  const double v = static_cast<double>(value);
  if (v >= 1e9) return fmt::format("{:.2f}B", v / 1e9);
  if (v >= 1e7) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e5) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return std::to_string(value);
}

std::string human_bytes(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
  if (bytes >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024.0) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{} bytes", static_cast<int64_t>(bytes));
}

std::string describe_experts(const ModelConfig& config) {
  const MoeConfig& moe = config.moe;
  std::string text = fmt::format(
      "{} experts of width {}, top {} ({}{}{})", moe.num_experts, moe.moe_intermediate_size,
      moe.num_experts_per_tok, moe.scoring_func, moe.norm_topk_prob ? ", renormalised" : "",
      moe.routed_scaling_factor != 1.0 ? fmt::format(", scaled x{}", moe.routed_scaling_factor) : "");
  if (moe.shared_expert_intermediate_size > 0)
    text += fmt::format(", a gated shared expert of width {}", moe.shared_expert_intermediate_size);
  if (moe.n_shared_experts > 0) text += fmt::format(", {} shared experts", moe.n_shared_experts);
  if (moe.topk_method == "noaux_tc") text += ", balancing bias";
  return text +
         fmt::format(", {} of {} layers sparse", config.sparse_layer_count(), config.num_hidden_layers);
}

std::string describe_architecture(const ModelConfig& config) {
  std::string extras =
      config.has_qkv_bias() ? (config.has_o_bias() ? ", q/k/v/o biases" : ", q/k/v biases") : "";
  if (config.has_qk_norm()) extras += ", q/k norms";
  if (!config.rope_scaling.type.empty()) {
    extras += fmt::format(", rope scaling {} x{}", config.rope_scaling.type, config.rope_scaling.factor);
  }
  if (config.is_moe()) extras += "; " + describe_experts(config);
  return fmt::format(
      "{}, {} layers, hidden {}, intermediate {}, {} heads ({} key/value, head dim {}), vocabulary {}, {} "
      "head{}",
      config.model_type, config.num_hidden_layers, config.hidden_size, config.intermediate_size,
      config.num_attention_heads, config.num_key_value_heads, config.resolved_head_dim(), config.vocab_size,
      config.tie_word_embeddings ? "tied" : "untied", extras);
}

}  // namespace grpo
