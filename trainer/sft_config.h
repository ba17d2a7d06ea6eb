// SftConfig: every option of `grpo sft`, named as in TRL's SFTConfig where it has a name for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grpo {

struct SftConfig {
  // ---- model, data, prompts
  std::string model;  // model directory to start from
  std::string output_dir = "runs/sft";
  std::string train_data;              // JSONL: prompt + completion, or messages
  std::string eval_data;               // JSONL; empty: eval_fraction of train_data held out
  double eval_fraction = 0.05;         // rows held out for the eval loss when eval_data is empty (0 = none)
  std::string prompt_template = "r1";  // as grpo train: r1 | r1-think | plain | chatml | chat | a file
  std::string system_prompt;           // --template chat
  std::vector<std::string> chat_template_kwargs;
  std::string assistant_prefix;
  std::vector<std::string> stop_strings = {"</answer>"};  // stored with the checkpoints for eval and sample
  bool completion_only_loss = true;                       // loss on completion / assistant tokens only
  int64_t max_length = 1024;                              // tokens per example (longer ones lose their end)
  bool packing = false;                                   // several examples per row of max_length

  // ---- optimisation
  int64_t per_device_train_batch_size = 8;  // examples (or packed rows) per step
  double num_train_epochs = 3;
  int64_t max_steps = -1;  // > 0: overrides num_train_epochs
  double learning_rate = 2e-5;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double weight_decay = 0.0;
  int64_t warmup_steps = 0;
  std::string lr_scheduler_type = "linear";
  double min_lr_ratio = 0.0;
  double max_grad_norm = 1.0;
  std::string bf16 = "auto";  // bf16 mixed precision: true, false or auto (on with CUDA)

  // ---- evaluation, logs, checkpoints
  int64_t eval_steps = 0;  // eval loss every N steps (0 = at the end only)
  int64_t logging_steps = 10;
  int64_t save_steps = 100;
  int64_t save_total_limit = 3;
  std::string resume;  // "" new run; "latest"; or a checkpoint / run directory
  bool override_options = false;
  bool overwrite = false;

  // ---- global options
  uint64_t seed = 1;
  std::string device = "cpu";

  // Throws grpo::Error naming the option for a bad value.
  void validate() const;
  // bf16 resolved ("auto": on with CUDA).
  bool bf16_enabled() const;
};

}  // namespace grpo
