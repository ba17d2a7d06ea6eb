// reasoning_metrics: a training step's chain share, accuracy with and without chains, step accuracy and think
// length, counted from the accuracy reward's scores over box-stacking groups only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "logs/metric_names.h"
#include "trainer/step_metrics.h"

namespace grpo {
namespace {

RolloutGroup group_of(nlohmann::json row, std::vector<std::string> texts,
                      std::vector<std::optional<double>> accuracy) {
  RolloutGroup group;
  group.example.row = std::move(row);
  for (auto& text : texts) {
    Completion completion;
    completion.text = std::move(text);
    group.completions.push_back(std::move(completion));
  }
  group.results.resize(2);  // [format, accuracy]
  for (const auto& score : accuracy) {
    group.results[0].push_back({1.0, ""});
    group.results[1].push_back({score, ""});
  }
  return group;
}

std::string text_of(const Completion& completion) {
  return completion.text;
}

TEST(ReasoningMetrics, CountTheStepsBoxStackingCompletionsByTheAccuracyReward) {
  const nlohmann::json box_row = {{"stacks", {{"blue", "green"}, {"green"}}}};
  const std::string chain =
      "<think> remove red . now the stack is blue green . remove blue . now the stack is blue . </think> "
      "<answer> green </answer>";
  std::vector<RolloutGroup> groups = {
      group_of(box_row, {chain, "<think> </think> <answer> green </answer>", "<answer> blue </answer>"},
               {1.0, 1.0, 0.0}),
      group_of({{"answer", "12"}}, {chain, chain}, {0.0, 0.0}),  // another task: not counted
  };
  RewardRoles roles;
  roles.accuracy = 1;
  roles.format = 0;
  const nlohmann::json metrics = reasoning_metrics(groups, roles, text_of);
  namespace metric = logs::metric;
  EXPECT_DOUBLE_EQ(metrics[metric::kChainShare].get<double>(), 1.0 / 3.0) << metrics.dump();
  EXPECT_DOUBLE_EQ(metrics[metric::kAccuracyWithChain].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(metrics[metric::kAccuracyWithoutChain].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(metrics[metric::kStackAccuracy].get<double>(), 0.5);  // blue green right, blue wrong
  EXPECT_DOUBLE_EQ(metrics[metric::kThinkWords].get<double>(), (19.0 + 0 + 0) / 3);

  // The accuracy reward said "not applicable": the completion counts for the chain share, not for accuracy.
  groups[0].results[1][0].score.reset();
  EXPECT_TRUE(reasoning_metrics(groups, roles, text_of)[metric::kAccuracyWithChain].is_null());
  // No box-stacking question in the step: no reasoning metrics at all.
  groups.erase(groups.begin());
  EXPECT_TRUE(reasoning_metrics(groups, roles, text_of).empty());
}

}  // namespace
}  // namespace grpo
