// RewardSet (weights, not applicable, mean and std) and the registry (names, specs, C++ registration).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "rewards/reward_registry.h"
#include "rewards/reward_set.h"

namespace grpo {
namespace {

// A C++ reward as a user writes one: scores the row's "value" column, not applicable when it is missing.
class ColumnReward : public RewardFunction {
 public:
  std::string name() const override { return "column"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    std::vector<RewardResult> results;
    for (const RewardInput& input : batch) {
      if (input.row.contains("value")) {
        results.push_back({input.row["value"].get<double>(), "from the row"});
      } else {
        results.push_back({std::nullopt, "no value"});
      }
    }
    return results;
  }
};

class BrokenReward : public RewardFunction {
 public:
  explicit BrokenReward(int mode) : mode_(mode) {}
  std::string name() const override { return "broken"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    if (mode_ == 0) return {};
    return std::vector<RewardResult>(batch.size(), RewardResult{std::nan(""), ""});
  }

 private:
  int mode_;
};

std::vector<RewardInput> rows(const std::vector<nlohmann::json>& values) {
  std::vector<RewardInput> batch;
  for (const auto& row : values) {
    RewardInput input;
    input.row = row;
    input.completion = "<think>r</think><answer>1</answer>";
    batch.push_back(input);
  }
  return batch;
}

TEST(RewardSet, WeightedTotalsAndStatisticsSkipNotApplicable) {
  RewardSet set;
  set.add(std::make_unique<ColumnReward>(), 2.0);
  set.add(make_reward("format"), 0.5);
  auto batch = rows({{{"value", 1.0}}, {{"value", 3.0}}, nlohmann::json::object(), {{"value", 5.0}}});
  ScoredBatch scored = set.score(batch);
  ASSERT_EQ(scored.totals.size(), 4u);
  EXPECT_DOUBLE_EQ(scored.totals[0], 2.0 * 1 + 0.5);
  EXPECT_DOUBLE_EQ(scored.totals[1], 2.0 * 3 + 0.5);
  EXPECT_DOUBLE_EQ(scored.totals[2], 0.5);  // not applicable counts as 0
  EXPECT_DOUBLE_EQ(scored.totals[3], 2.0 * 5 + 0.5);
  const RewardStatistics& column = scored.statistics[0];
  EXPECT_EQ(column.name, "column");
  EXPECT_EQ(column.applicable, 3);
  EXPECT_EQ(column.count, 4);
  EXPECT_DOUBLE_EQ(column.mean, 3.0);  // (1 + 3 + 5) / 3, the missing row left out
  EXPECT_DOUBLE_EQ(column.std, 2.0);   // sample std of 1, 3, 5
  EXPECT_EQ(scored.statistics[1].mean, 1.0);
  EXPECT_EQ(scored.statistics[1].std, 0.0);
  EXPECT_EQ(scored.results[0][2].reason, "no value");
  EXPECT_EQ(scored.results[1][0].reason, "ok");
}

TEST(RewardSet, NoApplicableCompletionGivesNaNMean) {
  RewardStatistics statistics = summarize_results("x", 1, {{std::nullopt, ""}, {std::nullopt, ""}});
  EXPECT_TRUE(std::isnan(statistics.mean));
  EXPECT_EQ(statistics.applicable, 0);
}

TEST(RewardSet, RejectsWrongCountsAndNonFiniteScoresNamingTheReward) {
  RewardSet wrong_count;
  wrong_count.add(std::make_unique<BrokenReward>(0));
  try {
    wrong_count.score(rows({{}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reward 'broken' returned 0 results for a batch of 1"),
              std::string::npos);
  }
  RewardSet nan;
  nan.add(std::make_unique<BrokenReward>(1));
  EXPECT_THROW(nan.score(rows({{}})), Error);
}

TEST(RewardSet, DuplicateNamesGetSuffixesAndSpecsBuildSets) {
  RewardSet set =
      RewardSet::from_specs({"accuracy", "accuracy:field=gold", "format:lenient"}, {1.0, 0.5, 0.25});
  EXPECT_EQ(set.names(), (std::vector<std::string>{"accuracy", "accuracy#2", "format_lenient"}));
  EXPECT_EQ(set.weights(), (std::vector<double>{1.0, 0.5, 0.25}));
  EXPECT_THROW(RewardSet::from_specs({"accuracy", "format"}, {1.0}), Error);
  EXPECT_THROW(RewardSet::from_specs({}), Error);
}

TEST(RewardRegistry, UnknownNamesListTheKnownOnes) {
  try {
    make_reward("acuracy");
    FAIL();
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("unknown reward 'acuracy'"), std::string::npos) << message;
    for (const char* name :
         {"accuracy", "format", "countdown", "tag_count", "overlong", "repetition", "plugin", "cmd"}) {
      EXPECT_NE(message.find(name), std::string::npos) << name << " missing from: " << message;
    }
  }
}

TEST(RewardRegistry, CppRewardsRegisterByName) {
  register_reward(
      "test_column",
      [](const std::string&, const RewardOptions&) { return std::make_unique<ColumnReward>(); },
      "the row's value column");
  auto names = known_reward_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "test_column"), names.end());
  auto reward = make_reward("test_column");
  EXPECT_EQ(reward->score(rows({{{"value", 0.25}}}))[0].score, 0.25);
  EXPECT_THROW(
      register_reward("bad:name", [](const std::string&,
                                     const RewardOptions&) { return std::make_unique<ColumnReward>(); }),
      Error);
}

TEST(RewardRegistry, SplitsRewardLists) {
  EXPECT_EQ(split_reward_list("accuracy,format:lenient"),
            (std::vector<std::string>{"accuracy", "format:lenient"}));
  EXPECT_EQ(split_reward_list(" accuracy , format "), (std::vector<std::string>{"accuracy", "format"}));
  EXPECT_EQ(split_reward_list("format,cmd:python3 x.py --weights 1,2"),
            (std::vector<std::string>{"format", "cmd:python3 x.py --weights 1,2"}));
  EXPECT_TRUE(split_reward_list("").empty());
}

}  // namespace
}  // namespace grpo
