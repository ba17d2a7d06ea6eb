// config.json of the families people start GRPO runs from, as published: Qwen3 (q/k norms, explicit
// head_dim), Llama 3.2 (llama3 rope scaling), and the rope scaling kinds; sizes too large to count are
// refused, not wrapped.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

#include "error_message.h"
#include "model/config.h"
#include "model/rope.h"

namespace grpo {
namespace {

using grpo::testing::error_of;
using grpo::testing::expect_mentions;
using nlohmann::json;

// Qwen/Qwen3-0.6B's config.json.
const char* kQwen3Config = R"({
  "architectures": ["Qwen3ForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "head_dim": 128,
  "hidden_act": "silu",
  "hidden_size": 1024,
  "initializer_range": 0.02,
  "intermediate_size": 3072,
  "max_position_embeddings": 40960,
  "max_window_layers": 28,
  "model_type": "qwen3",
  "num_attention_heads": 16,
  "num_hidden_layers": 28,
  "num_key_value_heads": 8,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": null,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
})";

// meta-llama/Llama-3.2-1B's config.json.
const char* kLlama32Config = R"({
  "architectures": ["LlamaForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": 128001,
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 8192,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 16,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
})";

TEST(ModelConfigFamilies, ReadsQwen3AsPublished) {
  const ModelConfig config = ModelConfig::from_json(json::parse(kQwen3Config));
  EXPECT_EQ(config.model_type, "qwen3");
  EXPECT_EQ(config.resolved_head_dim(), 128) << "explicit head_dim, not 1024 / 16";
  EXPECT_TRUE(config.has_qk_norm());
  EXPECT_FALSE(config.has_qkv_bias());
  EXPECT_FALSE(config.has_o_bias());
  EXPECT_TRUE(config.rope_scaling.type.empty());
  EXPECT_DOUBLE_EQ(config.rope_theta, 1e6);
  EXPECT_EQ(config.eos_token_id, 151645);
  // 0.44B without the embedding (the Qwen3 report's figure) + 151,936 x 1,024 embedding, tied.
  EXPECT_EQ(config.parameter_count(), 596049920);
  const json written = config.to_json();
  EXPECT_EQ(written["architectures"], json::array({"Qwen3ForCausalLM"}));
  EXPECT_EQ(written["head_dim"], 128);
  EXPECT_EQ(written["attention_bias"], false);
  EXPECT_TRUE(written["rope_scaling"].is_null());
  EXPECT_EQ(ModelConfig::from_json(written).to_json(), written);
}

TEST(ModelConfigFamilies, Qwen3AttentionBiasCoversTheOutputProjection) {
  json input = json::parse(kQwen3Config);
  input["attention_bias"] = true;
  const ModelConfig config = ModelConfig::from_json(input);
  EXPECT_TRUE(config.has_qkv_bias());
  EXPECT_TRUE(config.has_o_bias()) << "Qwen3, like Llama, biases o_proj too (Qwen2 never does)";
}

TEST(ModelConfigFamilies, ReadsLlama32WithItsRopeScaling) {
  const ModelConfig config = ModelConfig::from_json(json::parse(kLlama32Config));
  EXPECT_EQ(config.rope_scaling.type, "llama3");
  EXPECT_DOUBLE_EQ(config.rope_scaling.factor, 32.0);
  EXPECT_DOUBLE_EQ(config.rope_scaling.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(config.rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(config.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_EQ(config.parameter_count(), 1235814400) << "Llama-3.2-1B's published parameter count";
  const json written = config.to_json();
  EXPECT_EQ(written["rope_scaling"]["rope_type"], "llama3");
  EXPECT_EQ(ModelConfig::from_json(written).rope_scaling, config.rope_scaling);
}

TEST(ModelConfigFamilies, ReadsRopeParametersAndTheOlderTypeKey) {
  json input = json::parse(kLlama32Config);
  json parameters = input["rope_scaling"];
  parameters["rope_theta"] = 250000.0;
  input.erase("rope_scaling");
  input["rope_parameters"] = parameters;  // newer transformers
  ModelConfig config = ModelConfig::from_json(input);
  EXPECT_EQ(config.rope_scaling.type, "llama3");
  EXPECT_DOUBLE_EQ(config.rope_theta, 250000.0);

  input = json::parse(kLlama32Config);
  input["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};  // older transformers
  config = ModelConfig::from_json(input);
  EXPECT_EQ(config.rope_scaling.type, "linear");
  EXPECT_DOUBLE_EQ(config.rope_scaling.factor, 2.0);
  EXPECT_EQ(config.to_json()["rope_scaling"], json({{"rope_type", "linear"}, {"factor", 2.0}}));
}

TEST(ModelConfigFamilies, RefusesIncompleteOrUnknownRopeScaling) {
  json input = json::parse(kLlama32Config);
  input["rope_scaling"].erase("original_max_position_embeddings");
  expect_mentions(error_of([&] { ModelConfig::from_json(input, "m/config.json"); }),
                  {"m/config.json", "llama3", "original_max_position_embeddings"});
  input = json::parse(kLlama32Config);
  input["rope_scaling"]["low_freq_factor"] = 8.0;
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }), {"low_freq_factor < high_freq_factor"});
  input["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }), {"\"yarn\"", "\"llama3\""});
}

TEST(ModelConfigFamilies, RopeFrequenciesFollowEachScalingKind) {
  ModelConfig config = ModelConfig::from_json(json::parse(kLlama32Config));
  config.rope_scaling = {};
  const auto plain = rotary_inverse_frequencies(config);  // [32]
  ASSERT_EQ(plain.size(0), 32);
  EXPECT_FLOAT_EQ(plain[0].item<float>(), 1.0f);
  EXPECT_NEAR(plain[1].item<double>(), std::pow(500000.0, -2.0 / 64), 1e-7);

  config.rope_scaling.type = "linear";
  config.rope_scaling.factor = 4.0;
  EXPECT_TRUE(torch::allclose(rotary_inverse_frequencies(config), plain / 4.0));

  config = ModelConfig::from_json(json::parse(kLlama32Config));
  const auto scaled = rotary_inverse_frequencies(config);
  // Wavelengths below 8192 / 4 = 2048 positions are kept; above 8192 slowed 32 times; between, blended.
  const auto wavelength = 2 * M_PI / plain;
  const auto kept = wavelength<2048, slowed = wavelength> 8192;
  EXPECT_TRUE(torch::equal(scaled.masked_select(kept), plain.masked_select(kept)));
  EXPECT_TRUE(torch::allclose(scaled.masked_select(slowed), plain.masked_select(slowed) / 32.0));
  const auto blended = kept.logical_or(slowed).logical_not();
  ASSERT_GT(blended.sum().item<int64_t>(), 0) << "Llama 3.2's parameters put some pairs in the blended band";
  EXPECT_TRUE((scaled.masked_select(blended) < plain.masked_select(blended)).all().item<bool>());
  EXPECT_TRUE((scaled.masked_select(blended) > plain.masked_select(blended) / 32.0).all().item<bool>());
}

TEST(ModelConfigFamilies, SizesTooLargeToCountAreRefusedNotWrapped) {
  json input = json::parse(kQwen3Config);
  input["hidden_size"] = int64_t{1} << 40;
  input["intermediate_size"] = int64_t{1} << 40;
  input["head_dim"] = 64;
  ModelConfig unchecked;
  unchecked.hidden_size = int64_t{1} << 40;
  unchecked.intermediate_size = int64_t{1} << 40;
  EXPECT_EQ(unchecked.parameter_count(), std::numeric_limits<int64_t>::max()) << "saturated, never negative";
  expect_mentions(error_of([&] { ModelConfig::from_json(input, "big/config.json"); }),
                  {"big/config.json", "hidden_size 1099511627776", "64-bit"});
}

}  // namespace
}  // namespace grpo
