// Checkpoints of a training run: RUN_DIR/checkpoints/step-NNNNNNNN/ holding
//   model/             the policy as a Hugging Face model directory (config.json, model.safetensors, and the
//                      tokenizer and generation files of the model trained from); with LoRA, the merged
//                      weights
//   adapter/           with LoRA: the adapter as PEFT saves it (adapter_config.json,
//                      adapter_model.safetensors), what a resume loads
//   reference/         the reference model, only when it differs from the initial policy (after a reset)
//   optimizer.pt       AdamW state (LibTorch archive)
//   trainer_state.json step, data cursor, seed, anything the trainer needs to continue exactly
//   manifest.json      every file's size and FNV-1a hash: a truncated or altered checkpoint is refused on
//   load model/prompt.json  how the policy was prompted (template, prefill, stop strings): eval and sample
//   reuse it
// A checkpoint is written under a temporary name (.step-N.partial), every file and directory fsynced, then
// renamed into place (or exchanged atomically with an existing one of the same step), so a crash never leaves
// a half-written one under a real name nor loses the one it replaces. Staging left by a crash is removed by
// the next save. Only the last `keep_last` are kept.
#pragma once

#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>

#include "model/transformer.h"
#include "trainer/prompt_settings.h"

namespace grpo {

struct CheckpointContents {
  TransformerImpl* policy = nullptr;
  TransformerImpl* reference = nullptr;  // null: not saved (the initial policy serves as reference)
  torch::optim::Optimizer* optimizer = nullptr;
  bool lora_adapter = false;  // also write adapter/ (the policy's LoRA adapters, PEFT's files)
  nlohmann::json trainer_state;
  // The model directory trained from: its tokenizer and generation files are copied into model/.
  std::filesystem::path source_model;
  nlohmann::json prompt_settings;  // written to model/prompt.json when not null (see prompt_settings.h)
};

// Writes RUN_DIR/checkpoints/step-N atomically and prunes older ones. Returns its path.
std::filesystem::path save_checkpoint(const std::filesystem::path& run_dir, int64_t step,
                                      const CheckpointContents& contents, int64_t keep_last);

// Removes what an interrupted save left in RUN_DIR/checkpoints (.step-N.partial, step-N.replaced); returns
// how many.
size_t remove_stale_staging(const std::filesystem::path& run_dir);

// Whether `path` is one checkpoint directory (step-N/, with manifest.json or trainer_state.json).
bool is_checkpoint_directory(const std::filesystem::path& path);

// The newest complete checkpoint of a run directory, if any.
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& run_dir);

// What --resume names: "latest", the run's newest checkpoint (none: start from step 0); else a checkpoint
// directory, or the newest checkpoint of that run directory. Throws for a path that is neither.
std::optional<std::filesystem::path> checkpoint_to_resume(const std::string& resume,
                                                          const std::filesystem::path& run_dir);

// Checks the manifest (every file present, same size, same hash); throws grpo::Error naming the file
// otherwise.
void verify_checkpoint(const std::filesystem::path& checkpoint);

// Reads trainer_state.json (after verify_checkpoint).
nlohmann::json read_trainer_state(const std::filesystem::path& checkpoint);

// Loads the optimizer state saved with the checkpoint into `optimizer` (built over the same parameters).
void load_optimizer_state(const std::filesystem::path& checkpoint, torch::optim::Optimizer& optimizer);

}  // namespace grpo
