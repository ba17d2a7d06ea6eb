// The rollout engine's memory bounds as command-line options, the same for `grpo train`, `grpo sample` and
// `grpo eval` (and keys of their config-file sections).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "rollout/memory_bounds.h"

namespace grpo::app {

// --max-decode-rows, --max-prefill-tokens and the old single bound --max-tokens-per-forward N, which sets
// each of the two that is 0 (no bound) to N. It is declared after them, so CLI11 runs its callback after
// theirs:
// `--max-tokens-per-forward 64 --max-decode-rows 8` decodes 8 rows and prefills 64 tokens in any order, and a
// config.toml written from it reads back the same. `group` is their heading in --help.
inline void add_rollout_memory_options(CLI::App& command, RolloutMemoryBounds& bounds,
                                       const std::string& group = "Options") {
  command
      .add_option("--max-decode-rows", bounds.max_decode_rows,
                  "Rollout memory bound: completions decoding together, each with its KV cache (0 = all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(group);
  command
      .add_option("--max-prefill-tokens", bounds.max_prefill_tokens,
                  "Rollout memory bound: prompt tokens per prefill pass, at least one prompt (0 = all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(group);
  command
      .add_option_function<int64_t>(
          "--max-tokens-per-forward",
          [&bounds](const int64_t& value) {
            if (bounds.max_decode_rows == 0) bounds.max_decode_rows = value;
            if (bounds.max_prefill_tokens == 0) bounds.max_prefill_tokens = value;
          },
          "The old single bound: sets --max-decode-rows and --max-prefill-tokens where they are 0")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
}

}  // namespace grpo::app
