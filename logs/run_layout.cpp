#include "logs/run_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "core/error.h"
#include "core/strings.h"

namespace grpo::logs {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPrefix = "step_";
constexpr std::string_view kPlainSuffix = ".jsonl";
constexpr std::string_view kCompressedSuffix = ".jsonl.gz";

}  // namespace

std::string rollout_file_name(int64_t step, bool compressed) {
  if (step < 0) fail("rollout step {} is negative: steps count from 0", step);
  return fmt::format("step_{:08d}{}", step, compressed ? kCompressedSuffix : kPlainSuffix);
}

std::optional<RolloutFileName> parse_rollout_file_name(const std::string& name) {
  std::string_view view = name;
  if (view.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  RolloutFileName parsed;
  std::string_view digits;
  if (ends_with(view, kCompressedSuffix)) {
    parsed.compressed = true;
    digits = view.substr(kPrefix.size(), view.size() - kPrefix.size() - kCompressedSuffix.size());
  } else if (ends_with(view, kPlainSuffix)) {
    digits = view.substr(kPrefix.size(), view.size() - kPrefix.size() - kPlainSuffix.size());
  } else {
    return std::nullopt;
  }
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t step = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    step = step * 10 + (c - '0');
  }
  parsed.step = step;
  return parsed;
}

std::vector<RolloutFile> list_rollout_files(const fs::path& run_dir) {
  fs::path folder = run_dir / kRolloutsDir;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return {};
  std::map<int64_t, RolloutFile> by_step;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    auto parsed = parse_rollout_file_name(entry.path().filename().string());
    if (!parsed) continue;
    auto found = by_step.find(parsed->step);
    // A crash between writing step_N.jsonl.gz and removing step_N.jsonl leaves both, each complete.
    if (found != by_step.end() && !found->second.compressed) continue;
    by_step[parsed->step] = RolloutFile{parsed->step, entry.path(), parsed->compressed};
  }
  if (ec) fail("cannot list '{}': {}", folder.string(), ec.message());
  std::vector<RolloutFile> files;
  files.reserve(by_step.size());
  for (auto& [step, file] : by_step) files.push_back(std::move(file));
  return files;
}

}  // namespace grpo::logs
