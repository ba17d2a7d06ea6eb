// ModelConfig <-> Hugging Face config.json: round trip, real-world files as Hugging Face writes them,
// refusals that name the field and the value, and the parameter count.
#include "model/config.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;
using grpo::testing::expect_mentions;

using grpo::testing::TempDir;
using grpo::testing::write_text;
using nlohmann::json;

// A Llama-2-style config.json as Hugging Face publishes it (no num_key_value_heads: plain multi-head
// attention).
const char* kLlama2Config = R"({
  "architectures": ["LlamaForCausalLM"],
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 11008,
  "max_position_embeddings": 4096,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "pad_token_id": 0,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": null,
  "tie_word_embeddings": false,
  "torch_dtype": "float16",
  "transformers_version": "4.31.0.dev0",
  "use_cache": true,
  "vocab_size": 32000
})";

// A Qwen2.5-style config.json (tied head, GQA, large rope_theta, sliding window off).
const char* kQwen25Config = R"({
  "architectures": ["Qwen2ForCausalLM"],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151643,
  "hidden_act": "silu",
  "hidden_size": 896,
  "initializer_range": 0.02,
  "intermediate_size": 4864,
  "max_position_embeddings": 32768,
  "max_window_layers": 24,
  "model_type": "qwen2",
  "num_attention_heads": 14,
  "num_hidden_layers": 24,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 32768,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.43.1",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
})";

json base_json() {
  return json::parse(
      R"({"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
                         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2})");
}

TEST(ModelConfig, RoundTripsThroughConfigJson) {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = 1234;
  config.hidden_size = 96;
  config.intermediate_size = 200;
  config.num_hidden_layers = 3;
  config.num_attention_heads = 6;
  config.num_key_value_heads = 2;
  config.head_dim = 32;
  config.max_position_embeddings = 777;
  config.rms_norm_eps = 1e-5;
  config.rope_theta = 1e6;
  config.tie_word_embeddings = true;
  config.bos_token_id = -1;
  config.eos_token_id = 5;
  config.extra_eos_token_ids = {6, 7};
  config.pad_token_id = 0;
  config.torch_dtype = "bfloat16";

  TempDir dir;
  config.save(dir / "config.json");
  ModelConfig loaded = ModelConfig::load(dir / "config.json");
  EXPECT_EQ(loaded.model_type, "qwen2");
  EXPECT_EQ(loaded.vocab_size, 1234);
  EXPECT_EQ(loaded.hidden_size, 96);
  EXPECT_EQ(loaded.intermediate_size, 200);
  EXPECT_EQ(loaded.num_hidden_layers, 3);
  EXPECT_EQ(loaded.num_attention_heads, 6);
  EXPECT_EQ(loaded.num_key_value_heads, 2);
  EXPECT_EQ(loaded.head_dim, 32);
  EXPECT_EQ(loaded.resolved_head_dim(), 32);
  EXPECT_EQ(loaded.max_position_embeddings, 777);
  EXPECT_DOUBLE_EQ(loaded.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(loaded.rope_theta, 1e6);
  EXPECT_TRUE(loaded.tie_word_embeddings);
  EXPECT_EQ(loaded.bos_token_id, -1);
  EXPECT_EQ(loaded.eos_token_id, 5);
  EXPECT_EQ(loaded.extra_eos_token_ids, (std::vector<int64_t>{6, 7}));
  EXPECT_EQ(loaded.pad_token_id, 0);
  EXPECT_EQ(loaded.torch_dtype, "bfloat16");
  EXPECT_TRUE(loaded.has_qkv_bias());
  EXPECT_EQ(loaded.to_json(), config.to_json());
}

TEST(ModelConfig, WritesTheKeysHuggingFaceExpects) {
  ModelConfig llama;
  json written = llama.to_json();
  EXPECT_EQ(written["architectures"], json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(written["model_type"], "llama");
  EXPECT_EQ(written["hidden_act"], "silu");
  EXPECT_EQ(written["torch_dtype"], "float32");
  EXPECT_EQ(written["attention_bias"], false);
  EXPECT_TRUE(written["pad_token_id"].is_null());  // -1 = none
  for (const char* key : {"initializer_range", "use_cache", "rope_theta", "rms_norm_eps",
                          "tie_word_embeddings", "max_position_embeddings", "bos_token_id", "eos_token_id"}) {
    EXPECT_TRUE(written.contains(key)) << key;
  }
  EXPECT_FALSE(written.contains("head_dim"))
      << "head_dim 0 means hidden_size / heads: leave it to the reader";

  ModelConfig qwen;
  qwen.model_type = "qwen2";
  written = qwen.to_json();
  EXPECT_EQ(written["architectures"], json::array({"Qwen2ForCausalLM"}));
  EXPECT_EQ(written["use_sliding_window"], false);
}

TEST(ModelConfig, ReadsALlama2ConfigAsPublished) {
  ModelConfig config = ModelConfig::from_json(json::parse(kLlama2Config));
  EXPECT_EQ(config.model_type, "llama");
  EXPECT_EQ(config.num_key_value_heads, 32) << "absent num_key_value_heads = num_attention_heads";
  EXPECT_EQ(config.resolved_head_dim(), 128);
  EXPECT_EQ(config.pad_token_id, 0);
  EXPECT_EQ(config.torch_dtype, "float16");
  EXPECT_DOUBLE_EQ(config.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(config.rope_theta, 10000.0);
  EXPECT_FALSE(config.has_qkv_bias());
  EXPECT_EQ(config.parameter_count(), 6738415616) << "Llama-2-7B's published parameter count";
}

TEST(ModelConfig, ReadsAQwen25ConfigAsPublished) {
  ModelConfig config = ModelConfig::from_json(json::parse(kQwen25Config));
  EXPECT_EQ(config.model_type, "qwen2");
  EXPECT_EQ(config.num_key_value_heads, 2);
  EXPECT_EQ(config.resolved_head_dim(), 64);
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_TRUE(config.has_qkv_bias());
  EXPECT_FALSE(config.has_o_bias());
  EXPECT_DOUBLE_EQ(config.rope_theta, 1e6);
  EXPECT_EQ(config.eos_token_id, 151643);
  EXPECT_EQ(config.parameter_count(), 494032768) << "Qwen2.5-0.5B's parameter count";
}

TEST(ModelConfig, EosTokenListKeepsEveryId) {
  json input = base_json();
  input["eos_token_id"] = {2, 9, 11};
  ModelConfig config = ModelConfig::from_json(input);
  EXPECT_EQ(config.eos_token_id, 2);
  EXPECT_EQ(config.extra_eos_token_ids, (std::vector<int64_t>{9, 11}));
  EXPECT_EQ(config.to_json()["eos_token_id"], json::array({2, 9, 11}));
}

TEST(ModelConfig, AcceptsDefaultRopeParameters) {
  json input = base_json();
  input["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 500000.0}};
  EXPECT_DOUBLE_EQ(ModelConfig::from_json(input).rope_theta, 500000.0);
  input.erase("rope_parameters");
  input["rope_scaling"] = {{"type", "default"}};
  EXPECT_DOUBLE_EQ(ModelConfig::from_json(input).rope_theta, 10000.0);
  input["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }), {"rope_scaling", "llama3"});
}

TEST(ModelConfig, AcceptsNewerDtypeKey) {
  json input = base_json();
  input["dtype"] = "bfloat16";
  EXPECT_EQ(ModelConfig::from_json(input).torch_dtype, "bfloat16");
}

TEST(ModelConfig, RefusesUnknownModelTypeListingSupportedOnes) {
  json input = base_json();
  input["model_type"] = "mistral";
  expect_mentions(error_of([&] { ModelConfig::from_json(input, "dir/config.json"); }),
                  {"dir/config.json", "\"mistral\"", "\"llama\"", "\"qwen2\""});
  input.erase("model_type");
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }), {"model_type", "\"llama\", \"qwen2\""});
}

TEST(ModelConfig, RefusesHiddenSizeNotDivisibleByHeads) {
  json input = base_json();
  input["hidden_size"] = 66;
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }),
                  {"hidden_size = 66", "num_attention_heads = 4"});
}

TEST(ModelConfig, RefusesKeyValueHeadsThatDoNotDivideHeads) {
  json input = base_json();
  input["num_key_value_heads"] = 3;
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }),
                  {"num_key_value_heads = 3", "num_attention_heads = 4"});
}

TEST(ModelConfig, RefusesBadValuesNamingTheField) {
  struct Case {
    const char* field;
    json value;
    const char* expected;
  };
  for (const Case& bad :
       std::vector<Case>{{"vocab_size", 0, "vocab_size = 0"},
                         {"num_hidden_layers", -2, "num_hidden_layers = -2"},
                         {"hidden_size", "64", "\"hidden_size\""},
                         {"rms_norm_eps", 0.0, "rms_norm_eps"},
                         {"torch_dtype", "int8", "\"int8\""},
                         {"hidden_act", "gelu", "\"gelu\""},
                         {"eos_token_id", 100, "eos_token_id = 100"},
                         {"tie_word_embeddings", "yes", "tie_word_embeddings"},
                         {"rope_scaling", {{"type", "dynamic"}, {"factor", 2.0}}, "\"dynamic\""},
                         {"rope_scaling", {{"rope_type", "linear"}}, "\"factor\""},
                         {"rope_scaling", {{"rope_type", "linear"}, {"factor", -1.0}}, "factor = -1"},
                         {"use_sliding_window", true, "use_sliding_window"}}) {
    json input = base_json();
    input[bad.field] = bad.value;
    expect_mentions(error_of([&] { ModelConfig::from_json(input, "m/config.json"); }),
                    {"m/config.json", bad.expected});
  }
}

TEST(ModelConfig, RefusesMissingSizes) {
  json input = base_json();
  input.erase("intermediate_size");
  expect_mentions(error_of([&] { ModelConfig::from_json(input); }), {"\"intermediate_size\"", "missing"});
}

TEST(ModelConfig, LoadNamesTheFileOnBadJson) {
  TempDir dir;
  write_text(dir / "config.json", "{\"model_type\": \"llama\",");
  expect_mentions(error_of([&] { ModelConfig::load(dir / "config.json"); }),
                  {(dir / "config.json").string(), "not valid JSON"});
  expect_mentions(error_of([&] { ModelConfig::load(dir / "absent.json"); }),
                  {"absent.json", "does not exist"});
}

// nlohmann reports a number beyond double's range as out_of_range, not parse_error (found by tests/fuzz).
TEST(ModelConfig, LoadNamesTheFileOnANumberTooLargeForADouble) {
  TempDir dir;
  write_text(dir / "config.json", R"({"model_type": "llama", "rms_norm_eps": 1e400})");
  expect_mentions(error_of([&] { ModelConfig::load(dir / "config.json"); }),
                  {(dir / "config.json").string(), "not valid JSON", "1e400"});
}

TEST(ModelConfig, SaveRefusesAnInvalidConfig) {
  TempDir dir;
  ModelConfig config;
  config.num_key_value_heads = 3;
  expect_mentions(error_of([&] { config.save(dir / "config.json"); }), {"num_key_value_heads = 3"});
  EXPECT_FALSE(std::filesystem::exists(dir / "config.json"));
}

TEST(ModelConfig, ParameterCountByHand) {
  ModelConfig config = ModelConfig::from_json(base_json());  // llama, untied, no biases
  // embed 100*64 + head 100*64 + final norm 64 + per layer: q 64*64, k 64*32, v 64*32, o 64*64, mlp 3*64*128,
  // norms 2*64.
  const int64_t per_layer = 4096 + 2048 + 2048 + 4096 + 3 * 64 * 128 + 128;
  EXPECT_EQ(config.parameter_count(), 6400 + 6400 + 64 + 2 * per_layer);
  config.tie_word_embeddings = true;
  EXPECT_EQ(config.parameter_count(), 6400 + 64 + 2 * per_layer);
  config.model_type = "qwen2";  // q/k/v biases: 64 + 32 + 32 per layer
  EXPECT_EQ(config.parameter_count(), 6400 + 64 + 2 * (per_layer + 128));
}

}  // namespace
}  // namespace grpo
