// Gradient checkpointing (model/layer_checkpoint.h): the same loss and the same gradients as the plain
// autograd path (fp32, 1e-6), for a dense model and an MoE model (whose load statistics must be counted once
// and whose balance loss must still reach the router), and the checkpoint really in the graph.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <string>

#include "model/transformer.h"

namespace grpo {
namespace {

ModelConfig dense_config() {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = 97;
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.num_hidden_layers = 3;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  return config;
}

ModelConfig moe_config() {
  ModelConfig config = dense_config();
  config.model_type = "qwen2_moe";
  config.moe.num_experts = 4;
  config.moe.num_experts_per_tok = 2;
  config.moe.moe_intermediate_size = 24;
  config.moe.shared_expert_intermediate_size = 40;
  config.moe.router_aux_loss_coef = 0.1;
  config.moe.topk_method = "noaux_tc";  // a balancing bias, fed by observed_load
  return config;
}

struct Batch {
  torch::Tensor ids, positions, attention_mask, probe;
};

// Two rows, the second left-padded by 2 (padding is not MoE load); probe [B, T, V] weights the logits.
Batch make_batch(const ModelConfig& config) {
  torch::manual_seed(11);
  Batch batch;
  batch.ids = torch::randint(0, config.vocab_size, {2, 7}, torch::kLong);
  batch.attention_mask = torch::ones({2, 7}, torch::kBool);
  batch.attention_mask[1].narrow(0, 0, 2).fill_(false);
  batch.positions = (batch.attention_mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);
  batch.probe = torch::randn({2, 7, config.vocab_size});
  return batch;
}

struct Pass {
  double loss = 0;
  std::map<std::string, torch::Tensor> grads;
  std::vector<torch::Tensor> loads;
};

Pass run(const ModelConfig& config, bool checkpointing) {
  Transformer model(config);
  initialize_weights(*model, 5, 0.2);
  model->train();
  model->set_gradient_checkpointing(checkpointing);
  const Batch batch = make_batch(config);
  auto logits = model->forward(batch.ids, batch.positions, batch.attention_mask);  // [B, T, V]
  auto loss = (torch::log_softmax(logits, -1) * batch.probe).sum() + model->auxiliary_loss();
  loss.backward();
  Pass pass;
  pass.loss = loss.item<double>();
  for (const auto& item : model->named_parameters()) {
    EXPECT_TRUE(item.value().grad().defined()) << item.key() << " got no gradient";
    if (item.value().grad().defined()) pass.grads[item.key()] = item.value().grad().clone();
  }
  for (const auto& block : model->sparse_blocks()) pass.loads.push_back(block->observed_load.clone());
  return pass;
}

void expect_same_gradients(const ModelConfig& config) {
  const Pass plain = run(config, false);
  const Pass checkpointed = run(config, true);
  EXPECT_NEAR(checkpointed.loss, plain.loss, 1e-6 * std::max(1.0, std::abs(plain.loss)));
  ASSERT_EQ(checkpointed.grads.size(), plain.grads.size());
  for (const auto& [name, grad] : plain.grads) {
    const auto& other = checkpointed.grads.at(name);
    const double scale = std::max(1.0, grad.abs().max().item<double>());
    EXPECT_LE((other - grad).abs().max().item<double>(), 1e-6 * scale) << name;
  }
  ASSERT_EQ(checkpointed.loads.size(), plain.loads.size());
  for (size_t i = 0; i < plain.loads.size(); ++i) {
    EXPECT_TRUE(torch::equal(checkpointed.loads[i], plain.loads[i]))
        << "block " << i << ": the recomputation must not count the load again";
  }
}

TEST(GradientCheckpointing, DenseModelHasThePlainGradients) {
  expect_same_gradients(dense_config());
}

TEST(GradientCheckpointing, MoeModelHasThePlainGradientsLoadAndBalanceLoss) {
  const ModelConfig config = moe_config();
  expect_same_gradients(config);
  // The load counted is the real tokens' (12 of 14) choices, k each, per block.
  const Pass checkpointed = run(config, true);
  ASSERT_EQ(checkpointed.loads.size(), 3u);
  for (const auto& load : checkpointed.loads) EXPECT_EQ(load.sum().item<double>(), 12.0 * 2);
  // The balance loss is part of the loss and its gradient reaches every router.
  for (int layer = 0; layer < 3; ++layer) {
    const auto name = "model.layers." + std::to_string(layer) + ".mlp.gate.weight";
    EXPECT_GT(checkpointed.grads.at(name).abs().sum().item<double>(), 0) << name;
  }
}

// Names of the autograd nodes reachable from `root`.
std::set<std::string> graph_node_names(const torch::Tensor& root) {
  std::set<std::string> names;
  std::vector<torch::autograd::Node*> stack{root.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  while (!stack.empty()) {
    auto* node = stack.back();
    stack.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    names.insert(node->name());
    for (const auto& edge : node->next_edges()) stack.push_back(edge.function.get());
  }
  return names;
}

bool has_checkpoint_node(const std::set<std::string>& names) {
  for (const auto& name : names) {
    if (name.find("LayerCheckpoint") != std::string::npos) return true;
  }
  return false;
}

TEST(GradientCheckpointing, OnlyInTrainingModeWithAutograd) {
  const ModelConfig config = dense_config();
  Transformer model(config);
  model->set_gradient_checkpointing(true);
  const Batch batch = make_batch(config);
  model->train();
  EXPECT_TRUE(has_checkpoint_node(
      graph_node_names(model->hidden_states(batch.ids, batch.positions, batch.attention_mask))));
  model->eval();
  EXPECT_FALSE(has_checkpoint_node(
      graph_node_names(model->hidden_states(batch.ids, batch.positions, batch.attention_mask))));
  model->train();
  model->set_gradient_checkpointing(false);
  EXPECT_FALSE(has_checkpoint_node(
      graph_node_names(model->hidden_states(batch.ids, batch.positions, batch.attention_mask))));
}

}  // namespace
}  // namespace grpo
