#include "trainer/run_directory.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/files.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

const char* const kRunEntries[] = {"metrics.jsonl", "eval.jsonl",  "rollouts",
                                   "checkpoints",   "config.toml", "config-history"};

// Options that do not change what is trained: they may differ between a run and its resumption.
const std::set<std::string> kResumableChanges = {
    "threads", "device", "quiet", "config", "dump_config", "train.max_steps", "train.resume",
    "train.override", "train.overwrite", "train.output_dir", "train.o", "train.save_steps",
    "train.save_total_limit", "train.eval_steps", "train.eval_k", "train.eval_group_by",
    "train.log_completions", "train.reward_timeout",
    // data parallelism: the same run on more or fewer ranks (the data cursor is global)
    "train.nproc_per_node", "train.master_port", "train.dist_backend", "train.dist_timeout",
    // memory bounds: they change how the work is batched, not what is computed
    "train.max_decode_rows", "train.max_prefill_tokens", "train.max_tokens_per_forward",
    "train.micro_batch_tokens", "train.logits_chunk_tokens", "train.gradient_checkpointing", "train.dry_run",
    // precision: as a change of device (whose "auto" it follows), the same training in other numerics
    "train.bf16",
    // grpo sft: the same kinds of options
    "sft.resume", "sft.override", "sft.overwrite", "sft.output_dir", "sft.o", "sft.save_steps",
    "sft.save_total_limit", "sft.eval_steps", "sft.logging_steps"};

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

bool holds_run(const fs::path& run_dir) {
  for (const char* entry : kRunEntries) {
    if (fs::exists(run_dir / entry)) return true;
  }
  return false;
}

void prepare_new_run_directory(const fs::path& run_dir, bool overwrite) {
  if (!holds_run(run_dir)) return;
  if (!overwrite) {
    fail(
        "the output directory '{}' already holds a training run; pass --resume to continue it, --overwrite "
        "to "
        "delete it and start afresh, or choose another --output-dir",
        run_dir.string());
  }
  for (const char* entry : kRunEntries) fs::remove_all(run_dir / entry);
}

std::map<std::string, std::string> config_entries(const std::string& toml_text) {
  std::map<std::string, std::string> entries;
  std::string section;
  size_t start = 0;
  while (start <= toml_text.size()) {
    size_t end = toml_text.find('\n', start);
    if (end == std::string::npos) end = toml_text.size();
    const std::string line = trim(toml_text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string key = trim(line.substr(0, equals));
    if (!section.empty()) key = section + "." + key;
    std::replace(key.begin(), key.end(), '-', '_');
    entries[key] = trim(line.substr(equals + 1));
  }
  return entries;
}

std::vector<std::string> changed_training_options(const std::string& old_toml, const std::string& new_toml) {
  const auto before = config_entries(old_toml), after = config_entries(new_toml);
  std::set<std::string> keys;
  for (const auto& entry : before) keys.insert(entry.first);
  for (const auto& entry : after) keys.insert(entry.first);
  std::vector<std::string> changed;
  for (const auto& key : keys) {
    const bool training = key == "seed" || key.rfind("train.", 0) == 0;
    if (!training || kResumableChanges.count(key) > 0) continue;
    const auto old_value = before.find(key), new_value = after.find(key);
    const std::string a = old_value == before.end() ? "(unset)" : old_value->second;
    const std::string b = new_value == after.end() ? "(unset)" : new_value->second;
    if (a != b)
      changed.push_back(fmt::format("{}: {} -> {}", key.rfind("train.", 0) == 0 ? key.substr(6) : key, a, b));
  }
  return changed;
}

void record_run_config(const fs::path& run_dir, const std::string& toml_text, int64_t resumed_step,
                       bool override_options) {
  const fs::path path = run_dir / "config.toml";
  fs::create_directories(run_dir);
  if (resumed_step >= 0 && fs::exists(path)) {
    const std::string previous = read_file(path);
    if (previous == toml_text) return;
    const auto changed = changed_training_options(previous, toml_text);
    if (!changed.empty() && !override_options) {
      fail(
          "--resume: these training options differ from the run's config.toml: {}; resume with the run's own "
          "options (for example --config {}), or pass --override to continue with the new ones",
          fmt::join(changed, "; "), path.string());
    }
    const fs::path history = run_dir / "config-history";
    fs::create_directories(history);
    write_file_atomically(history / fmt::format("before-step-{:08d}.toml", resumed_step), previous);
    if (!changed.empty()) {
      fmt::print(stderr,
                 "grpo: --override: continuing with changed options: {} (the previous config is in {})\n",
                 fmt::join(changed, "; "), history.string());
    }
  }
  write_file_atomically(path, toml_text);
}

std::vector<fs::path> set_aside_newer_checkpoints(const fs::path& run_dir, const fs::path& checkpoint) {
  std::vector<fs::path> moved;
  const fs::path folder = run_dir / "checkpoints";
  if (!fs::is_directory(folder) ||
      fs::weakly_canonical(checkpoint.parent_path()) != fs::weakly_canonical(folder)) {
    return moved;
  }
  static const std::regex pattern("step-[0-9]{8}");
  const std::string resumed = checkpoint.filename().string();
  std::vector<fs::path> newer;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, pattern) && name > resumed) newer.push_back(entry.path());
  }
  std::sort(newer.begin(), newer.end());
  for (const auto& path : newer) {
    const fs::path target = folder / "set-aside" / path.filename();
    fs::create_directories(target.parent_path());
    fs::remove_all(target);
    rename_atomically(path, target);
    moved.push_back(target);
  }
  return moved;
}

}  // namespace grpo
