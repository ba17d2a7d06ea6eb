// The rollout memory bounds as options (app/rollout_memory_options.h, shared by train, sample and eval): each
// sets its own bound; the old --max-tokens-per-forward sets both where they are 0, whatever the order on the
// command line, and a config file that holds all three (as a run's config.toml does) reads back the same.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "app/rollout_memory_options.h"
#include "test_support.h"

namespace grpo {
namespace {

// The bounds after parsing `arguments` (and --config FILE when given) as a command would.
RolloutMemoryBounds parse(std::vector<std::string> arguments) {
  CLI::App app;
  app.set_config("--config");
  RolloutMemoryBounds bounds;
  app::add_rollout_memory_options(app, bounds);
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first
  app.parse(arguments);
  return bounds;
}

void expect_bounds(const RolloutMemoryBounds& bounds, int64_t decode_rows, int64_t prefill_tokens) {
  EXPECT_EQ(bounds.max_decode_rows, decode_rows);
  EXPECT_EQ(bounds.max_prefill_tokens, prefill_tokens);
}

TEST(RolloutMemoryOptions, EachBoundsItsOwnThingAndTheOldOptionSetsBothWhereUnset) {
  expect_bounds(parse({}), 0, 0);
  expect_bounds(parse({"--max-decode-rows", "8"}), 8, 0);
  expect_bounds(parse({"--max-prefill-tokens", "512"}), 0, 512);
  expect_bounds(parse({"--max-tokens-per-forward", "64"}), 64, 64);
  expect_bounds(parse({"--max-tokens-per-forward", "64", "--max-decode-rows", "8"}), 8, 64);
  expect_bounds(parse({"--max-decode-rows", "8", "--max-tokens-per-forward", "64"}), 8, 64);
  expect_bounds(parse({"--max-prefill-tokens", "100", "--max-tokens-per-forward", "64"}), 64, 100);
  EXPECT_THROW(parse({"--max-decode-rows", "-1"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--max-tokens-per-forward", "-1"}), CLI::ValidationError);
}

TEST(RolloutMemoryOptions, AConfigFileWithEveryKeyReadsBackAsGiven) {
  grpo::testing::TempDir dir;
  // what config.toml holds after `--max-tokens-per-forward 64`: the other two at their defaults
  grpo::testing::write_text(dir / "run.toml",
                            "max-decode-rows = 0\nmax-prefill-tokens = 0\nmax-tokens-per-forward = 64\n");
  expect_bounds(parse({"--config", (dir / "run.toml").string()}), 64, 64);
  grpo::testing::write_text(dir / "new.toml", "max-decode-rows = 16\nmax-prefill-tokens = 2048\n");
  expect_bounds(parse({"--config", (dir / "new.toml").string()}), 16, 2048);
}

}  // namespace
}  // namespace grpo
