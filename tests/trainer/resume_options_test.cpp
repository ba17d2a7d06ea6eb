// Which option changes --resume refuses (trainer/run_directory.h): training options are refused, memory
// bounds are not (they change how the work is batched, not what is computed), nor is the old
// --max-tokens-per-forward key of a config.toml written before the bounds had their own names.
#include <gtest/gtest.h>

#include <string>

#include "trainer/run_directory.h"

namespace grpo {
namespace {

TEST(ResumeOptions, MemoryBoundsMayChangeTrainingOptionsMayNot) {
  const std::string old_run =
      "seed = 5\n[train]\nlr = 0.003\nmax-tokens-per-forward = 0\nmicro-batch-tokens = 8192\n";
  const std::string new_bounds =
      "seed = 5\n[train]\nlr = 0.003\nmax-decode-rows = 16\nmax-prefill-tokens = 4096\n"
      "# max-tokens-per-forward =   (not set)\nmicro-batch-tokens = 2048\nlogits-chunk-tokens = 256\n";
  EXPECT_TRUE(changed_training_options(old_run, new_bounds).empty());
  const std::string new_lr = "seed = 5\n[train]\nlr = 0.01\nmax-decode-rows = 16\n";
  const auto changed = changed_training_options(old_run, new_lr);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0], "lr: 0.003 -> 0.01");
}

}  // namespace
}  // namespace grpo
