// The shaping rewards: DAPO soft overlong punishment (TRL's cases) and the n-gram repetition penalty.
#include <gtest/gtest.h>

#include "core/error.h"
#include "rewards/shaping_rewards.h"

namespace grpo {
namespace {

RewardInput with_tokens(size_t count) {
  RewardInput input;
  input.completion = "text";
  input.completion_ids.assign(count, 1);
  return input;
}

// TRL tests/test_rewards.py, TestSoftOverlongPunishmentReward: max 100, cache 20.
TEST(OverlongReward, TrlCases) {
  OverlongReward reward(100, 20);
  auto results =
      reward.score({with_tokens(50), with_tokens(110), with_tokens(90), with_tokens(80), with_tokens(100)});
  EXPECT_EQ(results[0].score, 0.0);
  EXPECT_EQ(results[1].score, -1.0);
  EXPECT_DOUBLE_EQ(*results[2].score, -0.5);
  EXPECT_EQ(results[3].score, 0.0);
  EXPECT_DOUBLE_EQ(*results[4].score, -1.0);
  EXPECT_EQ(results[2].reason, "90 tokens");
}

TEST(OverlongReward, NeedsTokenIdsAndValidOptions) {
  OverlongReward reward(100, 20);
  RewardInput no_ids;
  no_ids.completion = "text without ids";
  EXPECT_FALSE(reward.score({no_ids})[0].score.has_value());
  RewardInput empty;
  EXPECT_EQ(reward.score({empty})[0].score, 0.0);
  EXPECT_THROW(make_overlong_reward(""), Error);
  EXPECT_THROW(make_overlong_reward("max=100:cache=200"), Error);
  EXPECT_EQ(make_overlong_reward("max=100:cache=20")->score({with_tokens(90)})[0].score, -0.5);
}

TEST(RepetitionReward, PenalisesRepeatedNgrams) {
  EXPECT_DOUBLE_EQ(RepetitionReward::repeated_fraction("a b c d e f", 3), 0.0);
  // "a b a b a b": 3-grams (a b a) (b a b) (a b a) (b a b): 2 distinct of 4.
  EXPECT_DOUBLE_EQ(RepetitionReward::repeated_fraction("a b a b a b", 3), 0.5);
  EXPECT_DOUBLE_EQ(RepetitionReward::repeated_fraction("A  b\nA\tB", 2),
                   1.0 / 3.0);  // case and spacing ignored
  EXPECT_DOUBLE_EQ(RepetitionReward::repeated_fraction("too short", 3), 0.0);
  RepetitionReward reward(3, -2.0);
  RewardInput input;
  input.completion = "a b a b a b";
  EXPECT_DOUBLE_EQ(*reward.score({input})[0].score, -1.0);
  EXPECT_THROW(make_repetition_reward("penalty=1"), Error);
  EXPECT_THROW(make_repetition_reward("n=0"), Error);
}

}  // namespace
}  // namespace grpo
