// Did-you-mean suggestions for mistyped commands, options, config keys and reward names.
#include <gtest/gtest.h>

#include "core/spelling.h"

namespace grpo {
namespace {

TEST(Spelling, EditDistanceCountsASwapOfNeighboursAsOneEdit) {
  EXPECT_EQ(edit_distance("train", "train"), 0u);
  EXPECT_EQ(edit_distance("trian", "train"), 1u);
  EXPECT_EQ(edit_distance("max-step", "max-steps"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Spelling, SuggestsTheClosePlausibleName) {
  const std::vector<std::string> commands = {"init", "info", "train", "eval", "sample", "reward"};
  EXPECT_EQ(closest_name("trian", commands), "train");
  EXPECT_EQ(closest_name("evl", commands), "eval");
  EXPECT_EQ(closest_name("samp", commands), "sample");  // a prefix of exactly one
  EXPECT_EQ(closest_name("zebra", commands), std::nullopt);
  EXPECT_EQ(closest_name("", commands), std::nullopt);
  EXPECT_EQ(did_you_mean("max-step", {"max-steps", "save-steps"}, "`"), "; did you mean `max-steps`?");
  EXPECT_EQ(did_you_mean("trian", commands), "; did you mean 'train'?");
  EXPECT_EQ(did_you_mean("xyzzy", commands), "");
}

}  // namespace
}  // namespace grpo
