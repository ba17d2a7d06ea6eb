// The policy update's own properties: the micro-batch split (a memory setting) does not change the objective
// or its gradient for any loss type; the minibatches are reshuffled every pass, reproducibly; and the
// trainer's forward (make_micro_batch + token_logprobs) gives the rollout engine's log-probs for the same
// tokens, since those serve as the old log-probs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "rollout/engine.h"
#include "trainer/optimizer.h"
#include "trainer/policy_update.h"
#include "update_fixture.h"

namespace grpo {
namespace {

using testing::update_model;
using testing::update_sequences;

struct Recorded {
  std::vector<double> losses;                                   // per optimiser step
  std::vector<std::map<std::string, torch::Tensor>> gradients;  // per optimiser step, before clipping
  std::vector<std::vector<std::vector<size_t>>> rows;           // [pass][minibatch] -> sequences
  std::map<std::string, torch::Tensor> weights;                 // after the update
};

Recorded run_update(const PolicyUpdateSettings& settings, int64_t step = 0) {
  auto model = update_model();
  auto sequences = update_sequences(*model);
  auto optimizer = make_adamw(*model, {1e-3, 0.9, 0.999, 1e-8, 0.1});
  Recorded recorded;
  auto observer = [&](const MinibatchReport& report) {
    recorded.losses.push_back(report.loss);
    std::map<std::string, torch::Tensor> gradients;
    for (const auto& item : model->named_parameters()) gradients[item.key()] = item.value().grad().clone();
    recorded.gradients.push_back(std::move(gradients));
    if (static_cast<int64_t>(recorded.rows.size()) <= report.pass) recorded.rows.emplace_back();
    recorded.rows[report.pass].push_back(*report.rows);
  };
  const bool reuse = settings.num_iterations > 1 || settings.num_minibatches > 1;
  update_policy(*model, *optimizer, sequences, settings, step, reuse, observer);
  for (const auto& item : model->named_parameters())
    recorded.weights[item.key()] = item.value().detach().clone();
  return recorded;
}

double max_difference(const std::map<std::string, torch::Tensor>& a,
                      const std::map<std::string, torch::Tensor>& b) {
  double worst = 0;
  for (const auto& [name, tensor] : a)
    worst = std::max(worst, (tensor - b.at(name)).abs().max().item<double>());
  return worst;
}

TEST(PolicyUpdate, MicroBatchSplitDoesNotChangeTheObjectiveForAnyLossType) {
  for (const char* loss_type : {"grpo", "bnpo", "dapo", "dr_grpo"}) {
    for (const char* level : {"token", "sequence"}) {
      SCOPED_TRACE(std::string(loss_type) + " " + level);
      PolicyUpdateSettings settings;
      settings.loss.loss_type = parse_loss_type(loss_type);
      settings.loss.importance_level = parse_importance_level(level);
      settings.loss.max_completion_length = testing::kUpdateMaxCompletionLength;
      settings.temperature = testing::kUpdateTemperature;
      settings.num_iterations = 2;  // the second pass has ratios != 1
      settings.micro_batch_tokens = 0;
      Recorded whole = run_update(settings);
      settings.micro_batch_tokens = 24;  // two or three rows per micro-batch
      Recorded split = run_update(settings);
      ASSERT_EQ(whole.losses.size(), 2u);
      ASSERT_EQ(split.losses.size(), 2u);
      for (size_t s = 0; s < 2; ++s) {
        EXPECT_NEAR(split.losses[s], whole.losses[s], 1e-6) << "optimiser step " << s;
        EXPECT_LT(max_difference(split.gradients[s], whole.gradients[s]), 1e-6) << "optimiser step " << s;
      }
      EXPECT_LT(max_difference(split.weights, whole.weights), 1e-6);
      EXPECT_GT(std::abs(whole.losses[1]), 1e-3) << "a loss this small would make the comparison meaningless";
    }
  }
}

TEST(PolicyUpdate, MinibatchesAreReshuffledEveryPassReproducibly) {
  PolicyUpdateSettings settings;
  settings.num_iterations = 3;
  settings.num_minibatches = 2;
  settings.shuffle_seed = 4;
  Recorded first = run_update(settings, /*step=*/7);
  ASSERT_EQ(first.rows.size(), 3u);
  std::vector<std::vector<size_t>> orders;
  for (const auto& pass : first.rows) {
    ASSERT_EQ(pass.size(), 2u);
    std::vector<size_t> order = pass[0];
    order.insert(order.end(), pass[1].begin(), pass[1].end());
    EXPECT_EQ(pass[0].size(), 4u);
    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<size_t> all(8);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all) << "every sequence exactly once per pass";
    orders.push_back(order);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);
  EXPECT_NE(first.rows[0][0], std::vector<size_t>({0, 1, 2, 3})) << "the groups in rollout order";
  // The same (seed, step) gives the same order, so a resumed run repeats it; another step or seed does not.
  EXPECT_EQ(run_update(settings, 7).rows, first.rows);
  EXPECT_NE(run_update(settings, 8).rows, first.rows);
  settings.shuffle_seed = 5;
  EXPECT_NE(run_update(settings, 7).rows, first.rows);
}

TEST(PolicyUpdate, MinibatchOrderIsAPermutationFromTheSeed) {
  EXPECT_EQ(minibatch_order(5, 1, 0, 0), minibatch_order(5, 1, 0, 0));
  EXPECT_NE(minibatch_order(16, 1, 0, 0), minibatch_order(16, 1, 0, 1));
  EXPECT_EQ(minibatch_order(1, 3, 2, 1), std::vector<size_t>({0}));
  EXPECT_TRUE(minibatch_order(0, 3, 2, 1).empty());
}

TEST(PolicyUpdate, TrainerForwardGivesTheRolloutEnginesLogprobs) {
  auto model = update_model();
  RolloutEngine engine(model, nullptr);
  const std::vector<std::vector<int64_t>> prompts{{1, 7, 9, 30}, {1, 12}, {1, 5, 5, 6, 20, 33, 8}};
  GenerationOptions options;
  options.num_samples = 3;
  options.max_new_tokens = 9;
  options.sampling.temperature = 0.7;
  options.sampling.top_k = 12;  // truncation is not part of the log-prob: the full distribution at T
  options.seed = 3;
  auto result = engine.generate(prompts, options);
  auto sequences = testing::sequences_of(prompts, result);
  compute_completion_logprobs(*model, sequences, /*micro_batch_tokens=*/20, 0.7,
                              &TrainingSequence::old_logprobs);
  int64_t compared = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const auto& rollout = result.completions[i].logprobs;
    ASSERT_EQ(sequences[i].old_logprobs.size(), rollout.size());
    for (size_t j = 0; j < rollout.size(); ++j, ++compared) {
      EXPECT_NEAR(sequences[i].old_logprobs[j], rollout[j], 1e-5) << "completion " << i << " token " << j;
    }
  }
  EXPECT_GT(compared, 30);
}

}  // namespace
}  // namespace grpo
