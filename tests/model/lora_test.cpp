// LoRA (model/lora.h): fresh adapters give the base model's logits exactly; only adapters train; with the
// adapters off the model is the base model; the merged weights give the adapter model's logits (1e-5); the
// PEFT files carry PEFT's names, shapes and config keys and load back to the same model; gradient
// checkpointing with adapter dropout gives the plain path's gradients (the dropout mask is replayed).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "core/files.h"
#include "model/lora.h"
#include "model/model_dir.h"
#include "model/safetensors.h"
#include "model/transformer.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::TempDir;

ModelConfig small_config() {
  ModelConfig config;
  config.model_type = "qwen2";  // q/k/v biases: the merge must keep them
  config.vocab_size = 97;
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  return config;
}

Transformer base_model() {
  Transformer model(small_config());
  initialize_weights(*model, 7, 0.2);
  model->eval();
  return model;
}

LoraSettings settings(std::vector<std::string> targets = {"q_proj", "v_proj", "down_proj"}) {
  LoraSettings lora;
  lora.r = 4;
  lora.alpha = 16;
  lora.target_modules = std::move(targets);
  return lora;
}

torch::Tensor logits_of(TransformerImpl& model) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  auto ids = torch::randint(0, 97, {2, 6}, torch::kLong);
  auto positions = torch::arange(6, torch::kLong).unsqueeze(0).expand({2, 6}).contiguous();
  return model.forward(ids, positions, {});  // [2, 6, V]
}

// Gives every lora_B a random value, as training would.
void train_adapters_somewhat(TransformerImpl& model) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(9);
  for (const auto& item : model.named_parameters()) {
    if (is_lora_parameter(item.key()) && item.key().find("lora_B") != std::string::npos)
      item.value().normal_(0.0, 0.2);
  }
}

TEST(Lora, FreshAdaptersGiveTheBaseLogitsExactly) {
  auto model = base_model();
  const auto before = logits_of(*model);
  EXPECT_EQ(add_lora_adapters(*model, settings(), 5), 2 * 3);
  EXPECT_TRUE(torch::equal(logits_of(*model), before));
}

TEST(Lora, OnlyTheAdaptersTrainWithPeftsInitialisation) {
  auto model = base_model();
  add_lora_adapters(*model, settings(), 5);
  int64_t adapters = 0;
  for (const auto& item : model->named_parameters()) {
    const bool adapter = is_lora_parameter(item.key());
    EXPECT_EQ(item.value().requires_grad(), adapter) << item.key();
    if (!adapter) continue;
    ++adapters;
    const auto& value = item.value();
    if (item.key().find("lora_B") != std::string::npos) {
      EXPECT_EQ(value.abs().max().item<double>(), 0.0) << item.key() << ": B starts at zero";
    } else {
      // kaiming_uniform_(a = sqrt(5)): uniform within +-1/sqrt(in), and spread over it.
      const double bound = 1.0 / std::sqrt(static_cast<double>(value.size(1)));
      EXPECT_LE(value.abs().max().item<double>(), bound) << item.key();
      EXPECT_GT(value.abs().max().item<double>(), 0.8 * bound) << item.key();
      EXPECT_EQ(value.size(0), 4) << item.key();
    }
  }
  EXPECT_EQ(adapters, 2 * 3 * 2);
}

TEST(Lora, DisabledAdaptersGiveTheBaseModel) {
  auto model = base_model();
  const auto base = logits_of(*model);
  add_lora_adapters(*model, settings(), 5);
  train_adapters_somewhat(*model);
  const auto adapted = logits_of(*model);
  EXPECT_GT((adapted - base).abs().max().item<double>(), 1e-3) << "the adapters must change the model";
  {
    LoraDisabledScope off(*model);
    EXPECT_TRUE(torch::equal(logits_of(*model), base));
  }
  EXPECT_TRUE(torch::equal(logits_of(*model), adapted));
}

TEST(Lora, MergedExportGivesTheAdapterModelsLogits) {
  TempDir dir;
  auto model = base_model();
  add_lora_adapters(*model, settings({"all-linear"}), 5);
  train_adapters_somewhat(*model);
  const auto adapted = logits_of(*model);
  save_model(*model, dir / "merged");  // with adapters: the merged weights
  const auto stored = read_model_weights(dir / "merged");
  for (const auto& [name, tensor] : stored)
    EXPECT_FALSE(is_lora_parameter(name)) << name << " must not be in the merged export";
  EXPECT_EQ(stored.size(), model_state(*model).size());
  auto merged = load_model(dir / "merged");
  merged->eval();
  const auto merged_logits = logits_of(*merged);
  EXPECT_LE((merged_logits - adapted).abs().max().item<double>(), 1e-5);
  EXPECT_GT((merged_logits - logits_of(*base_model())).abs().max().item<double>(), 1e-3);
}

TEST(Lora, AdapterFilesHavePeftsNamesShapesAndConfig) {
  TempDir dir;
  auto model = base_model();
  add_lora_adapters(*model, settings(), 5);
  train_adapters_somewhat(*model);
  save_lora_adapter(*model, dir / "adapter", "some/base");
  const auto file = read_safetensors(dir / "adapter" / "adapter_model.safetensors");
  const ModelConfig config = small_config();
  const int64_t d = config.hidden_size, kv = config.num_key_value_heads * config.resolved_head_dim();
  std::map<std::string, std::vector<int64_t>> expected;
  for (int layer = 0; layer < 2; ++layer) {
    const std::string prefix = "base_model.model.model.layers." + std::to_string(layer) + ".";
    expected[prefix + "self_attn.q_proj.lora_A.weight"] = {4, d};
    expected[prefix + "self_attn.q_proj.lora_B.weight"] = {d, 4};
    expected[prefix + "self_attn.v_proj.lora_A.weight"] = {4, d};
    expected[prefix + "self_attn.v_proj.lora_B.weight"] = {kv, 4};
    expected[prefix + "mlp.down_proj.lora_A.weight"] = {4, config.intermediate_size};
    expected[prefix + "mlp.down_proj.lora_B.weight"] = {d, 4};
  }
  ASSERT_EQ(file.tensors.size(), expected.size());
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(file.tensors.count(name)) << name;
    EXPECT_EQ(file.tensors.at(name).sizes().vec(), shape) << name;
  }
  const auto json = nlohmann::json::parse(read_file(dir / "adapter" / "adapter_config.json"));
  EXPECT_EQ(json.at("peft_type"), "LORA");
  EXPECT_EQ(json.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(json.at("r"), 4);
  EXPECT_EQ(json.at("lora_alpha").get<double>(), 16.0);
  EXPECT_EQ(json.at("target_modules"), (std::vector<std::string>{"down_proj", "q_proj", "v_proj"}));
  EXPECT_EQ(json.at("base_model_name_or_path"), "some/base");
  EXPECT_EQ(json.at("bias"), "none");

  // Loaded into a fresh base model: the same model.
  auto loaded = base_model();
  load_lora_adapter(*loaded, dir / "adapter");
  EXPECT_TRUE(torch::equal(logits_of(*loaded), logits_of(*model)));
}

TEST(Lora, BadSettingsAndFilesAreNamed) {
  auto model = base_model();
  auto bad = settings({"qkv"});
  EXPECT_THROW(
      {
        try {
          add_lora_adapters(*model, bad, 1);
        } catch (const std::exception& e) {
          EXPECT_NE(std::string(e.what()).find("unknown module 'qkv'"), std::string::npos) << e.what();
          throw;
        }
      },
      std::exception);
  TempDir dir;
  testing::write_text(dir / "adapter_config.json", R"({"peft_type": "PREFIX_TUNING"})");
  EXPECT_THROW(read_lora_config(dir.path()), std::exception);
}

TEST(Lora, CheckpointingWithAdapterDropoutHasThePlainGradients) {
  auto settings_with_dropout = settings({"all-linear"});
  settings_with_dropout.dropout = 0.3;
  std::vector<std::map<std::string, torch::Tensor>> grads(2);
  for (int checkpointing = 0; checkpointing < 2; ++checkpointing) {
    auto model = base_model();
    add_lora_adapters(*model, settings_with_dropout, 5);
    train_adapters_somewhat(*model);
    model->train();
    model->set_gradient_checkpointing(checkpointing == 1);
    torch::manual_seed(21);
    auto ids = torch::randint(0, 97, {2, 6}, torch::kLong);
    auto positions = torch::arange(6, torch::kLong).unsqueeze(0).expand({2, 6}).contiguous();
    torch::manual_seed(22);  // the dropout masks
    auto loss = torch::log_softmax(model->forward(ids, positions, {}), -1).select(-1, 3).sum();
    loss.backward();
    for (const auto& item : model->named_parameters()) {
      if (item.value().grad().defined()) grads[checkpointing][item.key()] = item.value().grad().clone();
    }
  }
  ASSERT_EQ(grads[0].size(), 2u * 7 * 2);  // every adapter, nothing else
  ASSERT_EQ(grads[1].size(), grads[0].size());
  for (const auto& [name, grad] : grads[0]) {
    EXPECT_LE((grads[1].at(name) - grad).abs().max().item<double>(),
              1e-6 * std::max(1.0, grad.abs().max().item<double>()))
        << name;
  }
}

}  // namespace
}  // namespace grpo
