// A mixture-of-experts policy in the update (trainer/moe_routing.h): routing replay gives ratio exactly 1 on
// the first optimiser step and no routing change, while without it the update's routing drifts from the old
// policy's; the balancing biases move after each optimiser step; the balance loss is added to the loss with
// a weight that keeps it independent of the micro-batch split; the routing metrics are there (and only for
// MoE policies).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>

#include "logs/metric_names.h"
#include "rollout/engine.h"
#include "trainer/optimizer.h"
#include "trainer/policy_update.h"
#include "update_fixture.h"

namespace grpo {
namespace {

namespace metric = logs::metric;
using testing::update_model_config;
using testing::update_sequences;

// The fixture's model with a sparse second layer: 4 experts, top 2, softmax gating (Qwen3-MoE), or sigmoid
// gating with DeepSeek-V3's balancing bias.
ModelConfig moe_update_config(bool deepseek_balancing = false) {
  ModelConfig config = update_model_config();
  config.model_type = "qwen3_moe";
  config.moe.num_experts = 4;
  config.moe.num_experts_per_tok = 2;
  config.moe.moe_intermediate_size = 12;
  config.moe.norm_topk_prob = true;
  config.moe.first_k_dense_replace = 1;
  if (deepseek_balancing) {
    config.moe.scoring_func = "sigmoid";
    config.moe.topk_method = "noaux_tc";
  }
  return config;
}

Transformer moe_model(const ModelConfig& config) {
  Transformer model(config);
  initialize_weights(*model, /*seed=*/11, 0.2);
  model->eval();
  return model;
}

struct MoeUpdate {
  std::vector<double> max_abs_log_ratio;  // per optimiser step
  std::map<std::string, torch::Tensor> first_gradients;
  nlohmann::json metrics;
  Transformer model{nullptr};
};

MoeUpdate run_moe_update(const ModelConfig& config, const PolicyUpdateSettings& settings, double lr = 3e-2,
                         bool gradient_checkpointing = false) {
  MoeUpdate result;
  result.model = moe_model(config);
  result.model->set_gradient_checkpointing(gradient_checkpointing);
  auto sequences = update_sequences(*result.model);
  auto optimizer = make_adamw(*result.model, {lr, 0.9, 0.999, 1e-8, 0.0});
  auto observer = [&](const MinibatchReport& report) {
    result.max_abs_log_ratio.push_back(report.max_abs_log_ratio);
    if (result.first_gradients.empty()) {
      for (const auto& item : result.model->named_parameters()) {
        if (item.value().grad().defined()) result.first_gradients[item.key()] = item.value().grad().clone();
      }
    }
  };
  const bool reuse = settings.num_iterations > 1 || settings.num_minibatches > 1;
  result.metrics =
      update_policy(*result.model, *optimizer, sequences, settings, 0, reuse, observer).to_json();
  return result;
}

PolicyUpdateSettings two_passes_two_minibatches() {
  PolicyUpdateSettings settings;
  settings.temperature = testing::kUpdateTemperature;
  settings.loss.max_completion_length = testing::kUpdateMaxCompletionLength;
  settings.num_iterations = 2;
  settings.num_minibatches = 2;
  settings.micro_batch_tokens = 30;  // several micro-batches per minibatch
  return settings;
}

TEST(MoeUpdate, RoutingReplayGivesRatioExactlyOneOnTheFirstStepAndNoRoutingChange) {
  PolicyUpdateSettings settings = two_passes_two_minibatches();
  settings.routing_replay = true;
  MoeUpdate replayed = run_moe_update(moe_update_config(), settings);
  ASSERT_EQ(replayed.max_abs_log_ratio.size(), 4u);
  // The old log-probs come from the recording forward over the same micro-batches with the same experts.
  EXPECT_EQ(replayed.max_abs_log_ratio[0], 0.0);
  EXPECT_GT(replayed.max_abs_log_ratio[3], 1e-3) << "the later steps see an updated policy";
  EXPECT_EQ(replayed.metrics.at(metric::kMoeRoutingChanged).get<double>(), 0.0);
  EXPECT_GT(replayed.metrics.at(metric::kMoeRoutingChangedOwn).get<double>(), 0.0)
      << "with this learning rate the policy's own top-k moves, which replay overrides";

  settings.routing_replay = false;
  MoeUpdate free = run_moe_update(moe_update_config(), settings);
  EXPECT_GT(free.max_abs_log_ratio[0], 0.1) << "the fixture's old log-probs are perturbed rollout ones";
  const double changed = free.metrics.at(metric::kMoeRoutingChanged).get<double>();
  EXPECT_GT(changed, 0.0);
  EXPECT_LT(changed, 1.0);
  EXPECT_EQ(changed, free.metrics.at(metric::kMoeRoutingChangedOwn).get<double>());
}

TEST(MoeUpdate, RoutingReplayWithGradientCheckpointingRecomputesWithTheReplayedExperts) {
  // The checkpointed layers recompute in the backward pass, after the update has cleared the routing
  // reference: they must still route as the forward did, or the gradients would be another routing's.
  PolicyUpdateSettings settings = two_passes_two_minibatches();
  settings.routing_replay = true;
  MoeUpdate plain = run_moe_update(moe_update_config(), settings);
  MoeUpdate checkpointed =
      run_moe_update(moe_update_config(), settings, 3e-2, /*gradient_checkpointing=*/true);
  ASSERT_EQ(checkpointed.first_gradients.size(), plain.first_gradients.size());
  for (const auto& [name, grad] : plain.first_gradients) {
    const double scale = std::max(1.0, grad.abs().max().item<double>());
    EXPECT_LE((checkpointed.first_gradients.at(name) - grad).abs().max().item<double>(), 1e-6 * scale)
        << name;
  }
  EXPECT_EQ(checkpointed.max_abs_log_ratio[0], 0.0);
  EXPECT_EQ(checkpointed.metrics.at(metric::kMoeRoutingChanged).get<double>(), 0.0);
  EXPECT_EQ(checkpointed.metrics.at(metric::kMoeRoutingChangedOwn).get<double>(),
            plain.metrics.at(metric::kMoeRoutingChangedOwn).get<double>())
      << "the recomputation must not count routing statistics again";
}

TEST(MoeUpdate, OnePassOneMinibatchComparesNothingAndChangesNothing) {
  PolicyUpdateSettings settings;
  settings.temperature = testing::kUpdateTemperature;
  MoeUpdate update = run_moe_update(moe_update_config(), settings);
  EXPECT_EQ(update.max_abs_log_ratio.at(0), 0.0);
  EXPECT_EQ(update.metrics.at(metric::kMoeRoutingChanged).get<double>(), 0.0);
}

TEST(MoeUpdate, RoutingMetricsPerSparseLayer) {
  MoeUpdate update = run_moe_update(moe_update_config(), two_passes_two_minibatches());
  const auto& m = update.metrics;
  ASSERT_TRUE(m.contains(metric::moe_load_ratio(1))) << m.dump();
  EXPECT_FALSE(m.contains(metric::moe_load_ratio(0))) << "layer 0 is dense (first_k_dense_replace 1)";
  const double ratio = m.at(metric::moe_load_ratio(1)).get<double>();
  EXPECT_GE(ratio, 1.0);
  EXPECT_LE(ratio, 2.0) << "top 2 of 4: an expert takes at most every token, twice the mean";
  EXPECT_EQ(m.at(metric::kMoeLoadRatio).get<double>(), ratio);
  const double entropy = m.at(metric::kMoeRouterEntropy).get<double>();
  EXPECT_GT(entropy, 0.0);
  EXPECT_LE(entropy, std::log(4.0) + 1e-9);
  EXPECT_FALSE(m.contains(metric::kMoeAuxLoss)) << "router_aux_loss_coef is 0";
  EXPECT_FALSE(m.contains(metric::kMoeBiasAbsMean)) << "no balancing bias with topk_method greedy";

  // A dense policy logs none of them.
  auto dense = testing::update_model();
  auto sequences = update_sequences(*dense);
  auto optimizer = make_adamw(*dense, {1e-3, 0.9, 0.999, 1e-8, 0.0});
  auto json = update_policy(*dense, *optimizer, sequences, two_passes_two_minibatches(), 0, true).to_json();
  for (const auto& item : json.items()) EXPECT_NE(item.key().rfind("moe/", 0), 0u) << item.key();
}

TEST(MoeUpdate, BalancingBiasMovesAfterEachOptimiserStepBySpeed) {
  PolicyUpdateSettings settings = two_passes_two_minibatches();
  settings.bias_update_speed = 0.01;
  MoeUpdate update = run_moe_update(moe_update_config(/*deepseek_balancing=*/true), settings);
  auto bias = update.model->sparse_blocks().at(0)->balancing_bias;  // [4]
  // Four optimiser steps of +-0.01 (0 for an expert exactly at the mean load): multiples of 0.01 up to 0.04.
  const auto steps = (bias / 0.01).round();
  EXPECT_LT((bias - steps * 0.01).abs().max().item<double>(), 1e-6) << bias;
  EXPECT_LE(steps.abs().max().item<double>(), 4.0);
  EXPECT_GT(steps.abs().max().item<double>(), 0.0) << "a random router is not exactly balanced";
  EXPECT_NEAR(update.metrics.at(metric::kMoeBiasAbsMean).get<double>(), bias.abs().mean().item<double>(),
              1e-9);

  settings.bias_update_speed = 0.0;
  MoeUpdate frozen = run_moe_update(moe_update_config(true), settings);
  EXPECT_EQ(frozen.model->sparse_blocks().at(0)->balancing_bias.abs().max().item<double>(), 0.0);
  EXPECT_EQ(frozen.metrics.at(metric::kMoeBiasAbsMean).get<double>(), 0.0);
}

TEST(MoeUpdate, BalanceLossJoinsTheLossIndependentlyOfTheMicroBatchSplit) {
  ModelConfig config = moe_update_config();
  config.moe.router_aux_loss_coef = 0.5;
  PolicyUpdateSettings settings;
  settings.temperature = testing::kUpdateTemperature;
  settings.micro_batch_tokens = 0;
  MoeUpdate whole = run_moe_update(config, settings);
  settings.micro_batch_tokens = 30;
  MoeUpdate split = run_moe_update(config, settings);
  const double aux = whole.metrics.at(metric::kMoeAuxLoss).get<double>();
  EXPECT_GT(aux, 0.5 * 0.9) << "a balance loss near 1 per layer (1 = perfectly balanced)";
  EXPECT_NEAR(split.metrics.at(metric::kMoeAuxLoss).get<double>(), aux, 1e-6);
  const std::string gate = "model.layers.1.mlp.gate.weight";
  EXPECT_LT((whole.first_gradients.at(gate) - split.first_gradients.at(gate)).abs().max().item<double>(),
            1e-6);

  // The router's gradient is the policy loss's plus the balance loss's: against coefficient 0, the
  // difference is the gradient of 0.5 x the mean over sequences of each sequence's balance loss, computed
  // here one sequence at a time.
  config.moe.router_aux_loss_coef = 0.0;
  MoeUpdate without = run_moe_update(config, settings);
  config.moe.router_aux_loss_coef = 0.5;
  Transformer model = moe_model(config);
  auto sequences = update_sequences(*model);
  model->train();
  model->zero_grad();
  for (const auto& s : sequences) {
    std::vector<int64_t> tokens = s.prompt_ids;
    tokens.insert(tokens.end(), s.completion_ids.begin(), s.completion_ids.end() - 1);
    const auto length = static_cast<int64_t>(tokens.size());
    auto ids = torch::tensor(tokens, torch::kLong).view({1, length});
    auto positions = torch::arange(length, torch::kLong).view({1, length});
    model->hidden_states(ids, positions, {});
    (model->auxiliary_loss() / static_cast<double>(sequences.size())).backward();
  }
  auto expected = model->named_parameters()[gate].grad();
  auto difference = whole.first_gradients.at(gate) - without.first_gradients.at(gate);
  EXPECT_LT((difference - expected).abs().max().item<double>(), 1e-5) << expected.abs().max();
}

// The rollout engine on an MoE policy: prompts of different lengths (left padding), G samples sharing each
// prompt's cache, rows leaving the decode batch as they finish; each decode step runs the rows' tokens
// through the sparse blocks together, grouped by expert. Its log-probs equal the trainer's full
// recomputation, and without the KV cache it samples the same tokens.
TEST(MoeUpdate, RolloutEngineOnAnMoePolicyGivesTheTrainersLogprobs) {
  for (bool deepseek : {false, true}) {
    auto model = moe_model(moe_update_config(deepseek));
    RolloutEngine engine(model, nullptr);
    const std::vector<std::vector<int64_t>> prompts{{1, 7, 9, 30}, {1, 12}, {1, 5, 5, 6, 20, 33, 8}};
    GenerationOptions options;
    options.num_samples = 3;
    options.max_new_tokens = 9;
    options.sampling.temperature = 0.7;
    options.eos_token_id = 4;  // some rows may finish early and leave the batch
    options.seed = 3;
    auto result = engine.generate(prompts, options);
    auto sequences = testing::sequences_of(prompts, result);
    compute_completion_logprobs(*model, sequences, /*micro_batch_tokens=*/0, 0.7,
                                &TrainingSequence::old_logprobs);
    int64_t compared = 0;
    for (size_t i = 0; i < sequences.size(); ++i) {
      const auto& rollout = result.completions[i].logprobs;
      ASSERT_EQ(sequences[i].old_logprobs.size(), rollout.size());
      for (size_t j = 0; j < rollout.size(); ++j, ++compared) {
        EXPECT_NEAR(sequences[i].old_logprobs[j], rollout[j], 1e-5)
            << (deepseek ? "sigmoid gating" : "softmax gating") << ", completion " << i << " token " << j;
      }
    }
    EXPECT_GT(compared, 30);

    // The engine without its KV cache (the whole sequence recomputed at every step) samples the same tokens.
    options.use_kv_cache = false;
    options.share_prompt_cache = false;
    auto recomputed = engine.generate(prompts, options);
    ASSERT_EQ(recomputed.completions.size(), result.completions.size());
    for (size_t i = 0; i < result.completions.size(); ++i) {
      EXPECT_EQ(recomputed.completions[i].token_ids, result.completions[i].token_ids) << "completion " << i;
    }
  }
}

}  // namespace
}  // namespace grpo
