// A small run directory made with the real writers, with known counts, shared by the logs tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "browser_page.h"
#include "logs/rollout_log_writer.h"
#include "logs/rollout_record.h"

namespace grpo::testing {

// Steps 1..4, each with 2 groups of 4 completions (32 in all):
// - group 0 asks question "gsm8k-7" at every step; sample k is right (answer 42) when k < step;
// - group 1 asks "gsm8k-10<step>"; sample 0 is right, samples 1 and 2 wrong (41), sample 3 is cut by the
// length
//   limit inside its <think> (no answer, finish "length").
// Rewards: accuracy (1/0, reason "answer 42 matches gold 42" / "answer 41 differs from gold 42" /
// "no <answer> block"), format (1 or 0); total = accuracy + 0.5 * format: 1.5 right, 0.5 wrong, 0 cut.
// Special texts: step 2 group 1 sample 1 thinks about a "zebra"; step 3 group 1 sample 2 holds HTML and
// "</script><!--<script>"; step 4 group 0 sample 0 holds an ANSI escape and an invalid UTF-8 byte.
struct FixtureCounts {
  static constexpr int steps = 4;
  static constexpr int per_step = 8;
  static constexpr int total = 32;
  static constexpr int right = 14;       // reward 1.5
  static constexpr int wrong = 14;       // reward 0.5, reason "differs"
  static constexpr int cut = 4;          // reward 0
  static constexpr int question_7 = 16;  // records of question gsm8k-7
};

std::vector<logs::RolloutRecord> fixture_step_records(int64_t step);

// Writes config.toml, metrics.jsonl (every documented key), eval.jsonl (steps 2 and 4, with by_difficulty)
// and the rollouts of steps 1..4 into `run_dir`.
void write_fixture_run(const std::filesystem::path& run_dir, const logs::RolloutLogOptions& options = {});

// Reads a whole (possibly gzipped) file as text.
std::string read_text_file(const std::filesystem::path& path);

// Lines of a text.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace grpo::testing
