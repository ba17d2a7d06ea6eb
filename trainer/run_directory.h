// The run directory's life across runs: a new run refuses a directory that holds one (unless told to resume
// or overwrite it); a resumed run keeps the history of its configurations and refuses changed training
// options unless told to override them; resuming from an earlier checkpoint sets the newer ones aside.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace grpo {

// Whether `run_dir` holds a training run (metrics.jsonl, eval.jsonl, rollouts/, checkpoints/ or config.toml).
bool holds_run(const std::filesystem::path& run_dir);

// For a new run: a directory holding a run is refused, naming --resume and --overwrite, unless `overwrite`,
// which deletes that run's files (only those).
void prepare_new_run_directory(const std::filesystem::path& run_dir, bool overwrite);

// The options of a resolved configuration as written to config.toml (`key=value` lines, `[section]` headers
// or `section.key` names), by dotted name, dashes as underscores.
std::map<std::string, std::string> config_entries(const std::string& toml_text);

// The training options that differ between two resolved configurations, as "name: old -> new", ignoring those
// that may change when resuming (max_steps, checkpoint and evaluation cadence, logging, device and threads,
// memory bounds).
std::vector<std::string> changed_training_options(const std::string& old_toml, const std::string& new_toml);

// Writes RUN_DIR/config.toml. When resuming (`resumed_step` >= 0) over an existing config.toml: refuses
// changed training options unless `override_options`, and keeps the previous file as
// RUN_DIR/config-history/before-step-N.toml.
void record_run_config(const std::filesystem::path& run_dir, const std::string& toml_text,
                       int64_t resumed_step, bool override_options);

// After resuming from `checkpoint` in `run_dir`: moves the run's newer checkpoints to
// RUN_DIR/checkpoints/set-aside/ so that they are neither resumed from nor pruned; returns their paths there.
std::vector<std::filesystem::path> set_aside_newer_checkpoints(const std::filesystem::path& run_dir,
                                                               const std::filesystem::path& checkpoint);

}  // namespace grpo
