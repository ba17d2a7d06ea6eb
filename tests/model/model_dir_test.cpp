// Model directories: save/load round trips (float32, bfloat16, tied, sharded) give identical logits; missing,
// unexpected and mis-shaped tensors are refused by name and file; presets and parameter counts.
#include "model/model_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <chrono>
#include <initializer_list>
#include <string>

#include "core/error.h"
#include "error_message.h"
#include "model/safetensors.h"
#include "model/tensor_layout.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;
using grpo::testing::expect_mentions;

namespace fs = std::filesystem;
using grpo::testing::TempDir;

ModelConfig small_config(const std::string& type = "llama", bool tied = false) {
  ModelConfig config;
  config.model_type = type;
  config.vocab_size = 61;
  config.hidden_size = 32;
  config.intermediate_size = 48;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.tie_word_embeddings = tied;
  return config;
}

Transformer random_model(const ModelConfig& config, uint64_t seed = 11) {
  Transformer model(config);
  initialize_weights(*model, seed, 0.1);
  torch::NoGradGuard no_grad;
  for (auto& parameter : model->parameters()) {
    if (parameter.dim() == 1) parameter.add_(torch::randn_like(parameter) * 0.1);  // norms and biases too
  }
  return model;
}

torch::Tensor logits_of(TransformerImpl& model) {
  torch::NoGradGuard no_grad;
  auto ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}, {2, 7, 1, 8, 2, 8, 1, 8}}, torch::kLong);
  auto positions = torch::arange(8, torch::kLong).unsqueeze(0).expand({2, 8}).contiguous();
  return model.forward(ids, positions, {});
}

TEST(ModelDir, SaveLoadRoundTripGivesIdenticalLogits) {
  for (const auto& [type, tied] :
       std::vector<std::pair<std::string, bool>>{{"llama", false}, {"qwen2", true}}) {
    SCOPED_TRACE(type + (tied ? " tied" : " untied"));
    TempDir dir;
    auto model = random_model(small_config(type, tied));
    save_model(*model, dir.path());
    EXPECT_TRUE(fs::exists(dir / "config.json"));
    EXPECT_TRUE(fs::exists(dir / "model.safetensors"));

    auto loaded = load_model(dir.path());
    EXPECT_EQ(loaded->config().to_json(), model->config().to_json());
    EXPECT_EQ(loaded->dtype(), torch::kFloat32);
    auto original_state = model_state(*model);
    auto loaded_state = model_state(*loaded);
    ASSERT_EQ(original_state.size(), loaded_state.size());
    for (const auto& [name, tensor] : original_state)
      EXPECT_TRUE(torch::equal(tensor, loaded_state.at(name))) << name;
    EXPECT_TRUE(torch::equal(logits_of(*model), logits_of(*loaded)));
  }
}

TEST(ModelDir, TiedHeadIsNotWritten) {
  TempDir dir;
  auto model = random_model(small_config("llama", /*tied=*/true));
  save_model(*model, dir.path());
  TensorMap stored = read_model_weights(dir.path());
  EXPECT_EQ(stored.count("lm_head.weight"), 0u);
  EXPECT_EQ(stored.count("model.embed_tokens.weight"), 1u);
  EXPECT_EQ(stored.size(), model_state(*model).size());
  int64_t stored_parameters = 0;
  for (const auto& [name, tensor] : stored) stored_parameters += tensor.numel();
  EXPECT_EQ(stored_parameters, model->config().parameter_count());
}

TEST(ModelDir, BFloat16WeightsLoadIntoTheRequestedDtype) {
  TempDir dir;
  ModelConfig config = small_config("qwen2");
  config.torch_dtype = "bfloat16";
  auto model = random_model(config);
  save_model(*model, dir.path());
  SafetensorsFile file = read_safetensors(dir / "model.safetensors");
  EXPECT_EQ(file.tensors.at("model.layers.0.self_attn.q_proj.bias").scalar_type(), torch::kBFloat16);

  auto as_float = load_model(dir.path());  // float32 by default
  EXPECT_EQ(as_float->dtype(), torch::kFloat32);
  auto expected = model->model->layers[0]->as<DecoderLayer>()->self_attn->q_proj->weight.to(torch::kBFloat16);
  auto actual = as_float->model->layers[0]->as<DecoderLayer>()->self_attn->q_proj->weight;
  EXPECT_TRUE(torch::equal(actual, expected.to(torch::kFloat32)));

  auto as_bf16 = load_model(dir.path(), torch::kCPU, torch::kBFloat16);
  EXPECT_EQ(as_bf16->dtype(), torch::kBFloat16);
  for (const auto& item : as_bf16->named_parameters())
    EXPECT_EQ(item.value().scalar_type(), torch::kBFloat16);
}

TEST(ModelDir, Float16RoundTrip) {
  TempDir dir;
  ModelConfig config = small_config("llama");
  config.torch_dtype = "float16";
  auto model = random_model(config);
  save_model(*model, dir.path());
  EXPECT_EQ(read_safetensors(dir / "model.safetensors").tensors.at("lm_head.weight").scalar_type(),
            torch::kFloat16);
  auto loaded = load_model(dir.path());
  EXPECT_TRUE(
      torch::equal(loaded->lm_head->weight, model->lm_head->weight.to(torch::kFloat16).to(torch::kFloat32)));
}

TEST(ModelDir, SaveAsOverridesTheStoredDtype) {
  TempDir dir;
  ModelConfig config = small_config("llama");
  config.torch_dtype = "bfloat16";
  auto model = random_model(config);
  save_model_as(*model, dir.path(), "float32");  // exact, as a checkpoint needs
  EXPECT_EQ(ModelConfig::load(dir / "config.json").torch_dtype, "float32");
  auto loaded = load_model(dir.path());
  EXPECT_TRUE(torch::equal(logits_of(*model), logits_of(*loaded)));
  EXPECT_EQ(model->config().torch_dtype, "bfloat16") << "the model's own config is left alone";
}

TEST(ModelDir, ShardedSaveLoadsBack) {
  TempDir dir;
  auto model = random_model(small_config("llama"));
  save_model(*model, dir.path(), /*max_shard_bytes=*/8192);
  EXPECT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
  auto loaded = load_model(dir.path());
  EXPECT_TRUE(torch::equal(logits_of(*model), logits_of(*loaded)));
}

class DamagedModelDir : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = random_model(small_config("llama"));
    save_model(*model_, dir_.path());
    weights_ = read_model_weights(dir_.path());
  }
  std::string load_error() {
    write_safetensors(dir_ / "model.safetensors", weights_);
    return error_of([&] { load_model(dir_.path()); });
  }
  std::string weights_path() const { return (dir_ / "model.safetensors").string(); }
  TempDir dir_;
  Transformer model_{nullptr};
  TensorMap weights_;
};

TEST_F(DamagedModelDir, MissingTensor) {
  weights_.erase("model.layers.1.mlp.up_proj.weight");
  expect_mentions(load_error(), {weights_path(), "missing tensor 'model.layers.1.mlp.up_proj.weight'"});
}

TEST_F(DamagedModelDir, MissingUntiedHead) {
  weights_.erase("lm_head.weight");
  expect_mentions(load_error(), {weights_path(), "'lm_head.weight'", "tie_word_embeddings"});
}

TEST_F(DamagedModelDir, UnexpectedTensor) {
  weights_["model.layers.0.self_attn.q_proj.bias"] = torch::zeros({32});
  expect_mentions(load_error(), {weights_path(), "unexpected tensor 'model.layers.0.self_attn.q_proj.bias'"});
}

TEST_F(DamagedModelDir, WrongShape) {
  weights_["model.layers.0.mlp.down_proj.weight"] = torch::zeros({32, 47});
  expect_mentions(load_error(), {weights_path(), "tensor 'model.layers.0.mlp.down_proj.weight'", "[32, 47]",
                                 "needs [32, 48]"});
}

TEST_F(DamagedModelDir, WrongShapeInAShardNamesTheShard) {
  weights_["model.norm.weight"] = torch::ones({31});
  write_model_weights(dir_.path(), weights_, /*max_shard_bytes=*/4096);
  std::map<std::string, fs::path> origins;
  read_model_weights(dir_.path(), &origins);
  expect_mentions(error_of([&] { load_model(dir_.path()); }),
                  {origins.at("model.norm.weight").string(), "'model.norm.weight'", "[31]", "[32]"});
}

TEST_F(DamagedModelDir, IgnoresWhatHuggingFaceIgnores) {
  // Older transformers saved rotary inverse frequencies; they are not parameters.
  weights_["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch::ones({4});
  write_safetensors(dir_ / "model.safetensors", weights_);
  auto loaded = load_model(dir_.path());
  EXPECT_TRUE(torch::equal(logits_of(*model_), logits_of(*loaded)));
}

TEST(ModelDir, TiedCheckpointCarryingAHeadCopyLoads) {
  TempDir dir;
  auto model = random_model(small_config("qwen2", /*tied=*/true));
  save_model(*model, dir.path());
  TensorMap weights = read_model_weights(dir.path());
  weights["lm_head.weight"] = weights.at("model.embed_tokens.weight").clone();
  write_safetensors(dir / "model.safetensors", weights);
  auto loaded = load_model(dir.path());
  EXPECT_TRUE(torch::equal(logits_of(*model), logits_of(*loaded)));
}

TEST(ModelDir, MissingDirectoryOrConfig) {
  TempDir dir;
  expect_mentions(error_of([&] { load_model(dir / "nowhere"); }), {"nowhere", "grpo init"});
  expect_mentions(error_of([&] { load_model(dir.path()); }), {"config.json"});
}

TEST(ModelDir, ParameterCountMatchesTheModel) {
  for (const auto& [type, tied] : std::vector<std::pair<std::string, bool>>{
           {"llama", false}, {"llama", true}, {"qwen2", false}, {"qwen2", true}}) {
    ModelConfig config = small_config(type, tied);
    Transformer model(config);
    int64_t actual = 0;
    for (const auto& parameter : model->parameters()) actual += parameter.numel();
    EXPECT_EQ(config.parameter_count(), actual) << type << (tied ? " tied" : "");
  }
  ModelConfig with_bias = small_config("llama");
  with_bias.attention_bias = true;
  with_bias.head_dim = 16;  // wider than hidden_size / heads = 8
  Transformer model(with_bias);
  int64_t actual = 0;
  for (const auto& parameter : model->parameters()) actual += parameter.numel();
  EXPECT_EQ(with_bias.parameter_count(), actual);
}

// Every flavour: the names and shapes the configuration implies (checked against checkpoints before loading)
// are exactly what the Transformer registers.
TEST(ModelDir, TensorLayoutIsWhatTheModelRegisters) {
  std::vector<ModelConfig> configs;
  for (const char* type : {"llama", "qwen2", "qwen3"}) {
    for (bool tied : {false, true}) {
      for (bool bias : {false, true}) {
        ModelConfig config = small_config(type, tied);
        config.attention_bias = bias;
        config.head_dim = bias ? 16 : 0;  // wider than hidden_size / heads = 8
        configs.push_back(config);
      }
    }
  }
  for (const ModelConfig& config : configs) {
    const std::string label = config.model_type + (config.tie_word_embeddings ? " tied" : "") +
                              (config.attention_bias ? " attention_bias" : "");
    Transformer model(config);
    std::map<std::string, TensorShape> registered, implied;
    for (const auto& [name, tensor] : model_state(*model)) registered[name] = tensor.sizes().vec();
    for_each_expected_tensor(config, [&](const std::string& name, const TensorShape& shape) {
      implied[name] = shape;
      return true;
    });
    EXPECT_EQ(registered, implied) << label;
    for (const auto& [name, shape] : implied) EXPECT_EQ(expected_tensor_shape(config, name), shape) << name;
    EXPECT_EQ(registered.count("model.layers.1.self_attn.q_norm.weight"),
              config.model_type == "qwen3" ? 1u : 0u);
    int64_t actual = 0;
    for (const auto& parameter : model->parameters()) actual += parameter.numel();
    EXPECT_EQ(config.parameter_count(), actual) << label;
  }
  const ModelConfig config = small_config("llama");
  for (const char* foreign :
       {"model.layers.2.mlp.up_proj.weight", "model.layers.01.mlp.up_proj.weight",
        "model.layers.0.mlp.up_proj", "model.layers.0.self_attn.q_norm.weight", "lm_head",
        "model.layers..mlp.up_proj.weight", "model.layers.99999999999999999999.x"}) {
    EXPECT_FALSE(expected_tensor_shape(config, foreign).has_value()) << foreign;
  }
}

TEST(ModelDir, Qwen3RoundTripGivesIdenticalLogits) {
  TempDir dir;
  ModelConfig config = small_config("qwen3", /*tied=*/true);
  config.head_dim = 16;
  auto model = random_model(config);
  save_model(*model, dir.path());
  EXPECT_EQ(read_model_weights(dir.path()).at("model.layers.0.self_attn.k_norm.weight").sizes(),
            (std::vector<int64_t>{16}));
  auto loaded = load_model(dir.path());
  EXPECT_TRUE(torch::equal(logits_of(*model), logits_of(*loaded)));
}

// Peak resident memory of this process so far, in bytes.
int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

// Issue 12 §2.12: a config far wider than its checkpoint must fail on the header, not after allocating and
// initialising a model of the config's size (here ~1.2 billion parameters, 4.8 GB in float32).
TEST(ModelDir, WideConfigOverANarrowCheckpointFailsBeforeAllocating) {
  TempDir dir;
  ModelConfig narrow = small_config("llama");
  narrow.hidden_size = 64;
  auto model = random_model(narrow);
  save_model(*model, dir.path());
  ModelConfig wide = narrow;
  wide.hidden_size = 4096;
  wide.intermediate_size = 11008;
  wide.num_attention_heads = 32;
  wide.num_key_value_heads = 8;
  wide.vocab_size = 128256;
  wide.save(dir / "config.json");

  const int64_t peak_before = peak_resident_bytes();
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of([&] { load_model(dir.path()); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_mentions(
      error, {(dir / "model.safetensors").string(), "has shape [", ", 64]", "hidden_size 4096", ", 4096]"});
  EXPECT_LT(seconds, 1.0) << "the shape check must come before the model is built";
  EXPECT_LT(peak_resident_bytes() - peak_before, int64_t{200} << 20)
      << "nothing of the config's size allocated";
}

TEST(ModelDir, MissingLayersAreCountedNotListed) {
  TempDir dir;
  auto model = random_model(small_config("llama"));
  save_model(*model, dir.path());
  ModelConfig deeper = small_config("llama");
  deeper.num_hidden_layers = 1000000;  // never enumerated whole
  deeper.save(dir / "config.json");
  expect_mentions(
      error_of([&] { load_model(dir.path()); }),
      {"missing tensors 'model.layers.2.input_layernorm.weight'", "and 8999977 more", "1000000 layers"});
}

TEST(ModelDir, Float16OnTheCpuIsRefusedWithAdvice) {
  TempDir dir;
  auto model = random_model(small_config("llama"));
  save_model(*model, dir.path());
  expect_mentions(error_of([&] { load_model(dir.path(), torch::kCPU, torch::kFloat16); }),
                  {"float16 needs CUDA", "bfloat16"});
}

TEST(ModelDir, FamilyPresetsHaveThePublishedShapes) {
  // Parameter counts of Qwen2.5-0.5B, Qwen3-0.6B (tied) and Llama-3.2-1B as published.
  EXPECT_EQ(preset_config("qwen2.5-0.5b", 0).parameter_count(), 494032768);
  EXPECT_EQ(preset_config("qwen3-0.6b", 0).parameter_count(), 596049920);
  EXPECT_EQ(preset_config("llama3.2-1b", 0).parameter_count(), 1235814400);
  const ModelConfig qwen3 = preset_config("qwen3-tiny", 0);
  EXPECT_EQ(qwen3.model_type, "qwen3");
  EXPECT_EQ(qwen3.vocab_size, 151936) << "the family's padded embedding";
  EXPECT_NE(qwen3.resolved_head_dim(), qwen3.hidden_size / qwen3.num_attention_heads);
  const ModelConfig llama = preset_config("llama3-tiny", 0);
  EXPECT_EQ(llama.vocab_size, 128256);
  EXPECT_EQ(llama.rope_scaling.type, "llama3");
  EXPECT_TRUE(preset_config("qwen2.5-tiny", 0).has_qkv_bias());
  EXPECT_EQ(preset_config("qwen3-tiny", 5000).vocab_size, 5000) << "an explicit vocabulary wins";
  for (const auto& preset : model_presets()) {
    if (!preset.family || preset.name.find("tiny") == std::string::npos) continue;
    EXPECT_LT(preset_config(preset.name, 0).parameter_count(), 10'000'000)
        << preset.name << ": small enough for tests";
  }
}

TEST(ModelDir, PresetsHaveTheAdvertisedSizes) {
  // At a 1,000-piece vocabulary (untied): about 1M, 10M, 50M parameters.
  EXPECT_NEAR(preset_config("tiny", 1000).parameter_count(), 1.0e6, 0.1e6);
  EXPECT_NEAR(preset_config("small", 1000).parameter_count(), 10e6, 1e6);
  EXPECT_NEAR(preset_config("base", 1000).parameter_count(), 50e6, 5e6);
  for (const char* preset : {"tiny", "small", "base"}) {
    ModelConfig config = preset_config(preset, 4096);
    EXPECT_EQ(config.vocab_size, 4096);
    Transformer model(config);  // constructible as is
    int64_t actual = 0;
    for (const auto& parameter : model->parameters()) actual += parameter.numel();
    EXPECT_EQ(config.parameter_count(), actual) << preset;
  }
  expect_mentions(error_of([] { preset_config("huge", 100); }), {"'huge'", "tiny", "small", "base"});
}

}  // namespace
}  // namespace grpo
