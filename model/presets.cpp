#include "model/presets.h"

#include <algorithm>

#include "core/error.h"

namespace grpo {

namespace {

constexpr int64_t kQwenVocabulary = 151936;    // Qwen2.5 / Qwen3: 151,669 tokens padded to a multiple of 128
constexpr int64_t kLlama3Vocabulary = 128256;  // Llama 3.x: 128,000 + 256 reserved special tokens

struct Sizes {
  int64_t hidden, intermediate, layers, heads, kv_heads, head_dim;
};

void set_sizes(ModelConfig& config, const Sizes& sizes) {
  config.hidden_size = sizes.hidden;
  config.intermediate_size = sizes.intermediate;
  config.num_hidden_layers = sizes.layers;
  config.num_attention_heads = sizes.heads;
  config.num_key_value_heads = sizes.kv_heads;
  config.head_dim = sizes.head_dim;
}

// Qwen2.5: q/k/v biases, tied head (the small sizes), rope_theta 1e6.
ModelConfig qwen25(const Sizes& sizes) {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = kQwenVocabulary;
  set_sizes(config, sizes);
  config.max_position_embeddings = 32768;
  config.rope_theta = 1e6;
  config.rms_norm_eps = 1e-6;
  config.tie_word_embeddings = true;
  return config;
}

// Qwen3: q/k norms, explicit head_dim, no biases, tied head (the small sizes), rope_theta 1e6.
ModelConfig qwen3(const Sizes& sizes) {
  ModelConfig config = qwen25(sizes);
  config.model_type = "qwen3";
  config.max_position_embeddings = 40960;
  return config;
}

// Llama 3.2: llama3 rope scaling (factor 32 over an 8,192-token original context), rope_theta 500,000.
ModelConfig llama32(const Sizes& sizes) {
  ModelConfig config;
  config.model_type = "llama";
  config.vocab_size = kLlama3Vocabulary;
  set_sizes(config, sizes);
  config.max_position_embeddings = 131072;
  config.rope_theta = 500000.0;
  config.rms_norm_eps = 1e-5;
  config.tie_word_embeddings = true;
  config.rope_scaling.type = "llama3";
  config.rope_scaling.factor = 32.0;
  config.rope_scaling.low_freq_factor = 1.0;
  config.rope_scaling.high_freq_factor = 4.0;
  config.rope_scaling.original_max_position_embeddings = 8192;
  return config;
}

// Generic sizes, Llama-style, untied. Body sizes (without embeddings): tiny 0.74M, small 9.4M, base 50.4M;
// the embedding and the head add 2 * vocab * hidden. Head dim 32 for tiny, 64 otherwise; intermediate ~8/3
// hidden.
ModelConfig generic(const Sizes& sizes, int64_t vocab_size) {
  ModelConfig config;
  config.vocab_size = vocab_size;
  config.max_position_embeddings = 2048;
  set_sizes(config, sizes);
  return config;
}

}  // namespace

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> presets{
      {"tiny", "llama, hidden 128, 4 layers: 0.74M + 256 per vocabulary entry", false},
      {"small", "llama, hidden 384, 6 layers: 9.4M + 768 per vocabulary entry", false},
      {"base", "llama, hidden 768, 8 layers: 50.4M + 1536 per vocabulary entry", false},
      {"qwen2.5-0.5b", "Qwen2.5-0.5B's shape: 494M parameters, vocabulary 151,936", true},
      {"qwen3-0.6b", "Qwen3-0.6B's shape: 596M parameters, vocabulary 151,936", true},
      {"llama3.2-1b", "Llama-3.2-1B's shape: 1.24B parameters, vocabulary 128,256", true},
      {"qwen2.5-tiny", "qwen2 family, hidden 64, 2 layers, vocabulary 151,936 (tied): 9.8M parameters", true},
      {"qwen3-tiny", "qwen3 family (q/k norms, head dim 32), hidden 64, 2 layers, vocabulary 151,936: 9.8M",
       true},
      {"llama3-tiny", "llama 3.2 family (llama3 rope scaling), hidden 64, 2 layers, vocabulary 128,256: 8.3M",
       true},
      {"moe-tiny",
       "qwen2_moe, tiny's sizes with 8 experts (top 2, width 88) and a shared expert (width 176): tiny's "
       "active parameters per token (0.74M), 1.56M in all + 256 per vocabulary entry",
       false},
  };
  return presets;
}

ModelConfig preset_config(const std::string& preset, int64_t vocab_size) {
  ModelConfig config;
  if (preset == "tiny") {
    config = generic({128, 352, 4, 4, 2, 0}, vocab_size);
  } else if (preset == "small") {
    config = generic({384, 1024, 6, 6, 2, 0}, vocab_size);
  } else if (preset == "base") {
    config = generic({768, 2048, 8, 12, 4, 0}, vocab_size);
  } else if (preset == "moe-tiny") {
    // The demo's tiny model with each MLP (width 352) replaced by a Qwen2-MoE block of the same active width:
    // 2 routed experts of 88 + a shared expert of 176 per token.
    config = generic({128, 352, 4, 4, 2, 0}, vocab_size);
    config.model_type = "qwen2_moe";
    config.moe.num_experts = 8;
    config.moe.num_experts_per_tok = 2;
    config.moe.moe_intermediate_size = 88;
    config.moe.shared_expert_intermediate_size = 176;
    config.moe.router_aux_loss_coef = 0.001;
  } else if (preset == "qwen2.5-0.5b") {
    config = qwen25({896, 4864, 24, 14, 2, 0});
  } else if (preset == "qwen3-0.6b") {
    config = qwen3({1024, 3072, 28, 16, 8, 128});
  } else if (preset == "llama3.2-1b") {
    config = llama32({2048, 8192, 16, 32, 8, 64});
  } else if (preset == "qwen2.5-tiny") {
    config = qwen25({64, 192, 2, 4, 2, 0});
  } else if (preset == "qwen3-tiny") {
    config = qwen3({64, 192, 2, 4, 2, 32});  // head_dim 32 is not 64 / 4, as in the real family
  } else if (preset == "llama3-tiny") {
    config = llama32({64, 192, 2, 4, 2, 16});
  } else {
    std::string names;
    for (const auto& known : model_presets()) names += (names.empty() ? "" : ", ") + known.name;
    fail("unknown model preset '{}'; presets: {}", preset, names);
  }
  const bool family =
      std::any_of(model_presets().begin(), model_presets().end(),
                  [&](const ModelPreset& known) { return known.name == preset && known.family; });
  if (family && vocab_size > 0) config.vocab_size = vocab_size;
  config.validate();
  return config;
}

}  // namespace grpo
