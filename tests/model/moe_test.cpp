// The mixture-of-experts block (model/moe.h): routing by hand-computed scores, the grouped computation
// against a per-token loop, the balancing bias on a skewed router, the balance loss against a hand value, the
// KV-cache decode path, and the Hugging Face layouts (Qwen2-MoE, Qwen3-MoE, Mixtral) of config.json and
// checkpoints.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <set>

#include "model/model_dir.h"
#include "model/presets.h"
#include "model/tensor_layout.h"
#include "model/transformer.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::TempDir;

ModelConfig moe_config(const std::string& type = "qwen2_moe") {
  ModelConfig config;
  config.model_type = type;
  config.vocab_size = 61;
  config.hidden_size = 32;
  config.intermediate_size = type == "mixtral" ? 24 : 48;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  config.moe.num_experts = 4;
  config.moe.num_experts_per_tok = 2;
  config.moe.moe_intermediate_size = 24;
  if (type == "qwen2_moe") config.moe.shared_expert_intermediate_size = 40;
  config.moe.norm_topk_prob = type == "mixtral";
  return config;
}

torch::Tensor positions_for(int64_t batch, int64_t steps, int64_t start = 0) {
  return torch::arange(start, start + steps, torch::kLong).unsqueeze(0).expand({batch, steps}).contiguous();
}

// ---------------------------------------------------------------- routing

TEST(MoeRouting, SoftmaxPicksTheTopKByHandComputedScores) {
  // 2 tokens, 4 experts.
  const std::vector<std::vector<double>> logits{{1.0, 3.0, -1.0, 2.5}, {0.5, 0.1, 0.7, -2.0}};
  auto routing = route_tokens(torch::tensor({1.0, 3.0, -1.0, 2.5, 0.5, 0.1, 0.7, -2.0}).view({2, 4}),
                              RoutingOptions{2, false, false, 1.0});
  const std::vector<std::vector<int64_t>> expected_experts{{1, 3}, {2, 0}};
  for (int t = 0; t < 2; ++t) {
    double sum = 0;
    for (double l : logits[t]) sum += std::exp(l);
    for (int j = 0; j < 2; ++j) {
      const int64_t e = expected_experts[t][j];
      EXPECT_EQ(routing.experts[t][j].item<int64_t>(), e) << "token " << t << " slot " << j;
      EXPECT_NEAR(routing.weights[t][j].item<double>(), std::exp(logits[t][e]) / sum, 1e-6);
    }
  }
  // norm_topk_prob: the two weights renormalised to sum 1; routed_scaling_factor multiplies after that.
  auto normalised =
      route_tokens(torch::tensor({1.0, 3.0, -1.0, 2.5}).view({1, 4}), RoutingOptions{2, false, true, 2.0});
  const double a = std::exp(3.0), b = std::exp(2.5);
  EXPECT_NEAR(normalised.weights[0][0].item<double>(), 2.0 * a / (a + b), 1e-6);
  EXPECT_NEAR(normalised.weights[0][1].item<double>(), 2.0 * b / (a + b), 1e-6);
}

TEST(MoeRouting, SigmoidWithBiasChoosesByBiasedScoresAndWeighsByUnbiasedOnes) {
  // Sigmoid affinities 0.73, 0.95, 0.27, 0.92; the bias lifts expert 2 above expert 3 for the choice.
  auto logits = torch::tensor({1.0, 3.0, -1.0, 2.5}).view({1, 4});
  auto bias = torch::tensor({0.0, 0.0, 0.9, 0.0});
  auto routing = route_tokens(logits, RoutingOptions{2, true, true, 2.5}, bias);
  auto sigmoid = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  EXPECT_EQ(routing.experts[0][0].item<int64_t>(), 2);  // 0.27 + 0.9 = 1.17
  EXPECT_EQ(routing.experts[0][1].item<int64_t>(), 1);  // 0.95
  const double s2 = sigmoid(-1.0), s1 = sigmoid(3.0);
  EXPECT_NEAR(routing.weights[0][0].item<double>(), 2.5 * s2 / (s1 + s2), 1e-6);
  EXPECT_NEAR(routing.weights[0][1].item<double>(), 2.5 * s1 / (s1 + s2), 1e-6);
  EXPECT_NEAR(routing.scores[0][3].item<double>(), sigmoid(2.5), 1e-6);
}

// ---------------------------------------------------------------- computation

TEST(MoeBlock, GroupedComputationEqualsAPerTokenLoop) {
  for (const char* type : {"qwen2_moe", "mixtral"}) {
    ModelConfig config = moe_config(type);
    config.moe.num_experts = 5;
    config.moe.num_experts_per_tok = 3;
    torch::manual_seed(3);
    SparseMoeBlock block(config);
    torch::NoGradGuard no_grad;
    for (auto& parameter : block->parameters()) parameter.normal_(0.0, 0.3);
    auto x = torch::randn({2, 7, config.hidden_size});
    auto grouped = block->forward(x);  // [2, 7, D]

    auto flat = x.view({14, config.hidden_size});
    Routing routing = block->route(flat);
    auto loop = torch::zeros_like(flat);
    for (int64_t t = 0; t < 14; ++t) {
      auto token = flat[t].unsqueeze(0);  // [1, D]
      for (int64_t j = 0; j < 3; ++j) {
        const int64_t e = routing.experts[t][j].item<int64_t>();
        loop[t] += routing.weights[t][j] * block->experts[e]->as<MLP>()->forward(token)[0];
      }
      if (block->shared_expert) {
        loop[t] += torch::sigmoid(block->shared_expert_gate(token))[0] * block->shared_expert(token)[0];
      }
    }
    EXPECT_LT((grouped.view({14, -1}) - loop).abs().max().item<double>(), 1e-5) << type;
    EXPECT_GT(loop.abs().max().item<double>(), 0.1) << type;
  }
}

TEST(MoeBlock, GradientsReachRouterExpertsAndSharedExpertButNotTheBias) {
  ModelConfig config = moe_config("qwen2_moe");
  config.moe.topk_method = "noaux_tc";
  config.moe.router_aux_loss_coef = 0.01;
  SparseMoeBlock block(config);
  auto x = torch::randn({2, 5, config.hidden_size});
  auto loss = block->forward(x).pow(2).sum() + block->auxiliary_loss;
  loss.backward();
  EXPECT_GT(block->gate->weight.grad().abs().sum().item<double>(), 0);
  EXPECT_GT(block->shared_expert_gate->weight.grad().abs().sum().item<double>(), 0);
  for (const auto& item : block->named_parameters())
    EXPECT_EQ(item.key().find("e_score_correction_bias"), std::string::npos) << "a parameter: " << item.key();
  EXPECT_FALSE(block->balancing_bias.requires_grad());
  EXPECT_EQ(block->named_buffers().size(), 1u);
}

// ---------------------------------------------------------------- balancing

// Max over mean of the experts' loads.
double imbalance(const torch::Tensor& load) {
  return (load.max() / load.mean()).item<double>();
}

TEST(MoeBalancing, BiasMovesLoadTowardUniformOnASkewedRouter) {
  ModelConfig config = moe_config("qwen3_moe");
  config.moe.num_experts = 8;
  config.moe.num_experts_per_tok = 2;
  config.moe.scoring_func = "sigmoid";
  config.moe.norm_topk_prob = true;
  config.moe.topk_method = "noaux_tc";
  torch::manual_seed(11);
  SparseMoeBlock block(config);
  {
    torch::NoGradGuard no_grad;
    block->gate->weight.normal_(0.0, 0.05);
    block->gate->weight[0].add_(0.4);  // experts 0 and 1 favoured by every token with a positive mean
    block->gate->weight[1].add_(0.3);
  }
  auto x = torch::randn({4, 64, config.hidden_size}) + 0.5;  // [B, T, D]
  auto measure = [&] {
    block->observed_load = torch::Tensor();
    block->forward(x);  // grad mode: counts the load
    return block->observed_load.clone();
  };
  const double before = imbalance(measure());
  EXPECT_GT(before, 3.0) << "the toy router should be skewed";
  for (int step = 0; step < 200; ++step) {
    measure();
    block->update_balancing_bias(0.01);
  }
  const double after = imbalance(measure());
  EXPECT_LT(after, 1.5) << "before " << before;
  // The bias only chooses: the outputs' weights stay the router's own scores, so the gate's weights are
  // untouched.
  EXPECT_LT(block->balancing_bias[0].item<double>(), 0.0);
}

TEST(MoeBalancing, LoadCountsOnlyRealTokensAndOnlyInGradMode) {
  ModelConfig config = moe_config("qwen2_moe");
  SparseMoeBlock block(config);
  auto x = torch::randn({2, 3, config.hidden_size});
  {
    torch::NoGradGuard no_grad;
    block->forward(x);
  }
  EXPECT_FALSE(block->observed_load.defined()) << "rollouts (no grad) must not count";
  auto mask = torch::tensor({0, 1, 1, 1, 1, 0}, torch::kBool).view({2, 3});
  block->forward(x, mask);
  EXPECT_EQ(block->observed_load.sum().item<double>(), 4.0 * config.moe.num_experts_per_tok);
}

// ---------------------------------------------------------------- balance loss

TEST(MoeBalanceLoss, MatchesAHandValue) {
  // One sequence of 2 tokens, 3 experts, top 1. Scores (already summing to 1 per token):
  //   token 0: 0.5 0.3 0.2 -> expert 0;  token 1: 0.1 0.6 0.3 -> expert 1.
  // f = E / (k T) * counts = 3/2 * (1, 1, 0) = (1.5, 1.5, 0); P = mean scores = (0.3, 0.45, 0.25);
  // loss = 1.5 * 0.3 + 1.5 * 0.45 = 1.125.
  auto scores = torch::tensor({0.5, 0.3, 0.2, 0.1, 0.6, 0.3}).view({1, 2, 3});
  auto experts = torch::tensor({0, 1}, torch::kLong).view({1, 2, 1});
  EXPECT_NEAR(sequence_balance_loss(scores, experts, {}).item<double>(), 1.125, 1e-6);
  // A second sequence whose second token is padding: f = 3 * (0, 0, 1), P = (0.2, 0.2, 0.6) from sigmoid-like
  // scores (0.1, 0.1, 0.3) normalised; loss 1.8; the mean over the two sequences is (1.125 + 1.8) / 2.
  auto scores2 = torch::tensor({0.5, 0.3, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.3, 0.9, 0.9, 0.9}).view({2, 2, 3});
  auto experts2 = torch::tensor({0, 1, 2, 0}, torch::kLong).view({2, 2, 1});
  auto mask = torch::tensor({1, 1, 1, 0}, torch::kBool).view({2, 2});
  EXPECT_NEAR(sequence_balance_loss(scores2, experts2, mask).item<double>(), (1.125 + 1.8) / 2, 1e-6);
}

TEST(MoeBalanceLoss, TheModelSumsItsSparseLayersTimesTheCoefficient) {
  ModelConfig config = moe_config("qwen2_moe");
  config.moe.router_aux_loss_coef = 0.25;
  Transformer model(config);
  auto ids = torch::randint(0, config.vocab_size, {2, 6}, torch::kLong);
  model->forward(ids, positions_for(2, 6), {});
  auto blocks = model->sparse_blocks();
  ASSERT_EQ(blocks.size(), 2u);
  const double expected = (blocks[0]->auxiliary_loss + blocks[1]->auxiliary_loss).item<double>();
  EXPECT_NEAR(model->auxiliary_loss().item<double>(), expected, 1e-7);
  // Perfect balance gives 1 per layer (f_i = 1 and sum P_i = 1), so a loss near 2 * 0.25 is plausible.
  EXPECT_GT(expected, 0.25);
  EXPECT_TRUE(model->auxiliary_loss().requires_grad());
}

// ---------------------------------------------------------------- the model

TEST(MoeModel, KvCacheDecodingMatchesTheFullForward) {
  for (const char* type : {"qwen2_moe", "qwen3_moe", "mixtral"}) {
    ModelConfig config = moe_config(type);
    Transformer model(config);
    initialize_weights(*model, 5, 0.2);
    torch::NoGradGuard no_grad;
    auto ids = torch::randint(0, config.vocab_size, {3, 9}, torch::kLong);
    auto full = model->forward(ids, positions_for(3, 9), {});  // [3, 9, V]
    KVCache cache;
    auto prompt = model->forward(ids.narrow(1, 0, 5), positions_for(3, 5), {}, &cache);
    std::vector<torch::Tensor> steps{prompt};
    for (int64_t t = 5; t < 9; ++t)
      steps.push_back(model->forward(ids.narrow(1, t, 1), positions_for(3, 1, t), {}, &cache));
    EXPECT_LT((torch::cat(steps, 1) - full).abs().max().item<double>(), 1e-4) << type;
  }
}

TEST(MoeModel, LayerChoiceFollowsSparseStepMlpOnlyLayersAndFirstKDense) {
  ModelConfig config = moe_config("qwen2_moe");
  config.num_hidden_layers = 6;
  config.moe.decoder_sparse_step = 2;  // layers 1, 3, 5
  config.moe.mlp_only_layers = {3};
  EXPECT_EQ(config.sparse_layer_count(), 2);
  config.moe.first_k_dense_replace = 2;  // layer 1 dense too
  EXPECT_EQ(config.sparse_layer_count(), 1);
  Transformer model(config);
  std::vector<bool> sparse;
  for (const auto& layer : *model->model->layers) sparse.push_back(bool(layer->as<DecoderLayer>()->moe));
  EXPECT_EQ(sparse, (std::vector<bool>{false, false, false, false, false, true}));
  EXPECT_EQ(model->sparse_blocks().size(), 1u);
}

// Every MoE flavour: the names and shapes config.json implies are exactly what the model registers, the
// parameter count is their sum, and a checkpoint round-trips with identical logits (the bias included).
TEST(MoeModel, LayoutCountsAndRoundTrip) {
  std::vector<ModelConfig> configs{moe_config("qwen2_moe"), moe_config("qwen3_moe"), moe_config("mixtral")};
  ModelConfig deepseek = moe_config("qwen3_moe");
  deepseek.num_hidden_layers = 3;
  deepseek.moe.scoring_func = "sigmoid";
  deepseek.moe.topk_method = "noaux_tc";
  deepseek.moe.n_shared_experts = 2;
  deepseek.moe.first_k_dense_replace = 1;
  deepseek.moe.routed_scaling_factor = 2.5;
  configs.push_back(deepseek);
  for (const ModelConfig& config : configs) {
    Transformer model(config);
    initialize_weights(*model, 9, 0.2);
    for (auto& block : model->sparse_blocks()) {
      if (block->balancing_bias.defined())
        block->balancing_bias.copy_(torch::randn({config.moe.num_experts}));
    }
    std::map<std::string, TensorShape> registered, implied;
    int64_t values = 0;
    for (const auto& [name, tensor] : model_state(*model)) {
      registered[name] = tensor.sizes().vec();
      values += tensor.numel();
    }
    for_each_expected_tensor(config, [&](const std::string& name, const TensorShape& shape) {
      implied[name] = shape;
      return true;
    });
    EXPECT_EQ(registered, implied) << config.model_type;
    EXPECT_EQ(static_cast<int64_t>(implied.size()), expected_tensor_count(config));
    EXPECT_EQ(config.parameter_count(), values) << config.model_type;

    TempDir dir;
    save_model(*model, dir.path());
    EXPECT_EQ(ModelConfig::load(dir.path() / "config.json").moe, config.moe) << config.model_type;
    auto loaded = load_model(dir.path());
    torch::NoGradGuard no_grad;
    auto ids = torch::randint(0, config.vocab_size, {2, 6}, torch::kLong);
    EXPECT_TRUE(torch::equal(model->forward(ids, positions_for(2, 6), {}),
                             loaded->forward(ids, positions_for(2, 6), {})))
        << config.model_type;
  }
}

// The exact tensor names and shapes of a Qwen2MoeForCausalLM checkpoint, as transformers' source defines them
// (src/transformers/models/qwen2_moe/modeling_qwen2_moe.py, huggingface/transformers at commit 1c351314:
// Qwen2MoeSparseMoeBlock has gate = Linear(hidden, num_experts, bias=False), experts = ModuleList of
// Qwen2MoeMLP(moe_intermediate_size) with gate_proj / up_proj / down_proj, shared_expert = Qwen2MoeMLP(
// shared_expert_intermediate_size) and shared_expert_gate = Linear(hidden, 1, bias=False); Qwen2MoeAttention
// has q/k/v biases and no o bias; layer i is sparse when i is not in mlp_only_layers and (i + 1) %
// decoder_sparse_step
// == 0, else Qwen2MoeMLP(intermediate_size)). Written here independently of tensor_layout.cpp.
TEST(MoeCheckpoint, Qwen2MoeNamesAndShapesAreWhatTransformersExpects) {
  ModelConfig config = moe_config("qwen2_moe");  // D 32, 4 experts of 24, shared 40, dense width 48, vocab 61
  config.num_hidden_layers = 3;
  config.moe.mlp_only_layers = {1};
  std::map<std::string, TensorShape> expected{
      {"model.embed_tokens.weight", {61, 32}}, {"model.norm.weight", {32}}, {"lm_head.weight", {61, 32}}};
  for (int layer = 0; layer < 3; ++layer) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    expected[p + "input_layernorm.weight"] = {32};
    expected[p + "post_attention_layernorm.weight"] = {32};
    expected[p + "self_attn.q_proj.weight"] = {32, 32};
    expected[p + "self_attn.q_proj.bias"] = {32};
    expected[p + "self_attn.k_proj.weight"] = {16, 32};
    expected[p + "self_attn.k_proj.bias"] = {16};
    expected[p + "self_attn.v_proj.weight"] = {16, 32};
    expected[p + "self_attn.v_proj.bias"] = {16};
    expected[p + "self_attn.o_proj.weight"] = {32, 32};
    if (layer == 1) {
      expected[p + "mlp.gate_proj.weight"] = {48, 32};
      expected[p + "mlp.up_proj.weight"] = {48, 32};
      expected[p + "mlp.down_proj.weight"] = {32, 48};
      continue;
    }
    expected[p + "mlp.gate.weight"] = {4, 32};
    for (int e = 0; e < 4; ++e) {
      const std::string q = p + "mlp.experts." + std::to_string(e) + ".";
      expected[q + "gate_proj.weight"] = {24, 32};
      expected[q + "up_proj.weight"] = {24, 32};
      expected[q + "down_proj.weight"] = {32, 24};
    }
    expected[p + "mlp.shared_expert.gate_proj.weight"] = {40, 32};
    expected[p + "mlp.shared_expert.up_proj.weight"] = {40, 32};
    expected[p + "mlp.shared_expert.down_proj.weight"] = {32, 40};
    expected[p + "mlp.shared_expert_gate.weight"] = {1, 32};
  }
  TempDir dir;
  Transformer model(config);
  save_model(*model, dir.path());
  std::map<std::string, TensorShape> written;
  for (const auto& [name, tensor] : read_model_weights(dir.path())) written[name] = tensor.sizes().vec();
  EXPECT_EQ(written, expected);
  const auto json = ModelConfig::load(dir.path() / "config.json").to_json();
  EXPECT_EQ(json["architectures"][0], "Qwen2MoeForCausalLM");
  EXPECT_EQ(json["num_experts"], 4);
  EXPECT_EQ(json["moe_intermediate_size"], 24);
  EXPECT_EQ(json["shared_expert_intermediate_size"], 40);
  EXPECT_EQ(json["mlp_only_layers"], nlohmann::json::array({1}));
}

TEST(MoeCheckpoint, MixtralNames) {
  Transformer model(moe_config("mixtral"));
  std::set<std::string> names;
  for (const auto& [name, tensor] : model_state(*model)) names.insert(name);
  for (const char* name :
       {"model.layers.0.block_sparse_moe.gate.weight", "model.layers.1.block_sparse_moe.experts.3.w1.weight",
        "model.layers.1.block_sparse_moe.experts.3.w2.weight",
        "model.layers.1.block_sparse_moe.experts.3.w3.weight"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(model->config().to_json()["num_local_experts"], 4);
}

TEST(MoeConfigJson, ReadsHuggingFaceFieldsAndRefusesWhatIsMissing) {
  nlohmann::json qwen = {{"model_type", "qwen3_moe"}, {"vocab_size", 100},
                         {"hidden_size", 32},         {"intermediate_size", 64},
                         {"num_hidden_layers", 4},    {"num_attention_heads", 4},
                         {"num_key_value_heads", 2},  {"num_experts", 8},
                         {"num_experts_per_tok", 2},  {"moe_intermediate_size", 16},
                         {"norm_topk_prob", true},    {"decoder_sparse_step", 1},
                         {"mlp_only_layers", {0}},    {"router_aux_loss_coef", 0.001}};
  ModelConfig config = ModelConfig::from_json(qwen);
  EXPECT_EQ(config.moe.num_experts, 8);
  EXPECT_TRUE(config.moe.norm_topk_prob);
  EXPECT_EQ(config.sparse_layer_count(), 3);
  EXPECT_TRUE(config.has_qk_norm());
  EXPECT_EQ(ModelConfig::from_json(config.to_json()).moe, config.moe);
  // Active parameters: the total less 6 idle experts of 3 * 32 * 16 on each of 3 sparse layers.
  EXPECT_EQ(config.parameter_count() - config.active_parameter_count(), 3 * 6 * 3 * 32 * 16);

  auto refused = [](nlohmann::json json, const std::string& part) {
    try {
      ModelConfig::from_json(json);
      ADD_FAILURE() << "accepted " << json.dump();
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  auto without = qwen;
  without.erase("num_experts");
  refused(without, "\"num_experts\" is missing");
  auto too_many = qwen;
  too_many["num_experts_per_tok"] = 9;
  refused(too_many, "num_experts_per_tok = 9");
  auto groups = qwen;
  groups["n_group"] = 8;
  refused(groups, "n_group");
  auto outside = qwen;
  outside["mlp_only_layers"] = {4};
  refused(outside, "mlp_only_layers lists layer 4");
  auto mixtral = qwen;
  mixtral["model_type"] = "mixtral";
  refused(mixtral, "\"num_local_experts\" is missing");
  mixtral["num_local_experts"] = 8;
  EXPECT_EQ(ModelConfig::from_json(mixtral).moe.moe_intermediate_size, 64)
      << "Mixtral's experts are intermediate_size wide";
}

TEST(MoePreset, MoeTinyHasTinysActiveParametersPerToken) {
  const ModelConfig moe = preset_config("moe-tiny", 1000);
  const ModelConfig dense = preset_config("tiny", 1000);
  EXPECT_TRUE(moe.is_moe());
  // Routed 2 x 88 + shared 176 = tiny's 352 per token; the router (8 x 128), the shared expert's gate (128)
  // and Qwen2's q/k/v biases (128 + 64 + 64) are the only extra active weights per layer.
  const int64_t extra_active = 4 * (8 * 128 + 128 + 256);
  EXPECT_EQ(moe.active_parameter_count() - dense.parameter_count(), extra_active);
  // In all: 8 x 88 + 176 = 880 of SwiGLU width per layer instead of 352.
  EXPECT_EQ(moe.parameter_count() - dense.parameter_count(), extra_active + 4 * (880 - 352) * 3 * 128);
}

}  // namespace
}  // namespace grpo
