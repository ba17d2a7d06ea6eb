// Writes each training step's completions to RUN_DIR/rollouts/step_N.jsonl (all of them or a sample), and
// gzips the files of older steps so that a run of thousands of steps stays a manageable size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <vector>

#include "logs/rollout_record.h"

namespace grpo::logs {

struct RolloutLogOptions {
  // 0: log every completion; N > 0: log N completions per step, chosen at random (seeded by `seed` and the
  // step, so a rerun logs the same ones) and kept in their original order.
  int64_t completions_per_step = 0;
  bool compress = true;
  // A step's file is gzipped once it is more than this many steps older than the newest step written
  // (0: at once). Recent steps stay plain text for `tail -f` and quick reads.
  int64_t keep_uncompressed_steps = 10;
  int gzip_level = 6;
  uint64_t seed = 0;
};

class RolloutLogWriter {
 public:
  // Creates RUN_DIR/rollouts. Plain files already there (a resumed run) are compressed in their turn.
  RolloutLogWriter(std::filesystem::path run_dir, RolloutLogOptions options = {});

  // Writes the step's file atomically (a reader never sees half a step), replacing the step's file when it
  // exists (a resumed run redoing the step), then compresses files that have grown old. Each record's step is
  // set to `step`; think and answer are split from the completion. Returns how many records were written.
  size_t write_step(int64_t step, const std::vector<RolloutRecord>& records);

  // Compresses every plain file left (e.g. at the end of a run). Nothing happens when compression is off.
  void compress_all();

  const std::filesystem::path& folder() const { return folder_; }
  const RolloutLogOptions& options() const { return options_; }

 private:
  std::vector<size_t> chosen_indices(int64_t step, size_t count) const;
  void compress_step(int64_t step);

  std::filesystem::path folder_;
  RolloutLogOptions options_;
  std::set<int64_t> plain_steps_;  // steps whose file is not compressed yet
};

}  // namespace grpo::logs
