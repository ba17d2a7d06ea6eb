#include "logs/rollout_log_writer.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <system_error>

#include "core/error.h"
#include "core/files.h"
#include "logs/gzip_text.h"
#include "logs/run_layout.h"

namespace grpo::logs {

namespace fs = std::filesystem;

RolloutLogWriter::RolloutLogWriter(fs::path run_dir, RolloutLogOptions options)
    : folder_(run_dir / kRolloutsDir), options_(options) {
  if (options_.completions_per_step < 0) {
    fail("completions_per_step is {}: use 0 (log all) or the number to log per step",
         options_.completions_per_step);
  }
  if (options_.keep_uncompressed_steps < 0) {
    fail("keep_uncompressed_steps is {}: use 0 or more", options_.keep_uncompressed_steps);
  }
  if (options_.gzip_level < 1 || options_.gzip_level > 9) {
    fail("gzip_level is {}: use 1 (fast) to 9 (small)", options_.gzip_level);
  }
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec) fail("cannot create the rollout log folder '{}': {}", folder_.string(), ec.message());
  for (const auto& file : list_rollout_files(run_dir)) {
    if (!file.compressed) plain_steps_.insert(file.step);
  }
}

std::vector<size_t> RolloutLogWriter::chosen_indices(int64_t step, size_t count) const {
  std::vector<size_t> indices(count);
  std::iota(indices.begin(), indices.end(), size_t{0});
  auto wanted = static_cast<size_t>(options_.completions_per_step);
  if (wanted == 0 || wanted >= count) return indices;
  std::mt19937_64 random(options_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step));
  // Partial Fisher-Yates: the first `wanted` entries become a uniform sample.
  for (size_t i = 0; i < wanted; ++i) {
    std::uniform_int_distribution<size_t> pick(i, count - 1);
    std::swap(indices[i], indices[pick(random)]);
  }
  indices.resize(wanted);
  std::sort(indices.begin(), indices.end());
  return indices;
}

size_t RolloutLogWriter::write_step(int64_t step, const std::vector<RolloutRecord>& records) {
  std::string content;
  std::vector<size_t> chosen = chosen_indices(step, records.size());
  for (size_t index : chosen) {
    RolloutRecord record = records[index];
    record.step = step;
    content += to_json_line(rollout_to_json(record));
    content += '\n';
  }
  write_file_atomically(folder_ / rollout_file_name(step, false), content);
  std::error_code ec;
  fs::remove(folder_ / rollout_file_name(step, true), ec);  // a stale file from before a resume
  plain_steps_.insert(step);

  if (options_.compress) {
    while (!plain_steps_.empty() && *plain_steps_.begin() < step - options_.keep_uncompressed_steps) {
      compress_step(*plain_steps_.begin());
    }
    if (options_.keep_uncompressed_steps == 0) compress_step(step);
  }
  return chosen.size();
}

void RolloutLogWriter::compress_all() {
  if (!options_.compress) return;
  while (!plain_steps_.empty()) compress_step(*plain_steps_.begin());
}

void RolloutLogWriter::compress_step(int64_t step) {
  plain_steps_.erase(step);
  fs::path plain = folder_ / rollout_file_name(step, false);
  std::error_code ec;
  if (!fs::exists(plain, ec)) return;
  gzip_file_in_place(plain, folder_ / rollout_file_name(step, true), options_.gzip_level);
}

}  // namespace grpo::logs
