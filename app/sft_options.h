// The options of `grpo sft` (TRL's SFT option names) but --model, shared with `grpo distill`, which trains
// the same way with a teacher's distributions as the target. Every option is also a key of the command's
// section of a --config file.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "app/chat_prompt_options.h"
#include "app/switch_option.h"
#include "trainer/sft_config.h"

namespace grpo::app {

// Returns the --resume option; finish_resume_option() turns what it was given into SftConfig::resume.
inline CLI::Option* add_sft_options(CLI::App* cmd, SftConfig& config) {
  std::string section = "Model, data and prompts";
  auto option = [&](const std::string& name, auto& value, const std::string& help) {
    return cmd->add_option(name, value, help)->group(section);
  };
  option("-o,--output-dir", config.output_dir, "Run directory: logs, checkpoints, config.toml")
      ->capture_default_str();
  option("--data", config.train_data, "JSONL rows: {\"prompt\", \"completion\"} or {\"messages\": [...]}")
      ->required();
  option("--eval-data", config.eval_data, "JSONL rows for the eval loss (default: held out of --data)");
  option("--eval-fraction", config.eval_fraction, "Share of --data held out for the eval loss (0 = none)")
      ->capture_default_str();
  option("--template", config.prompt_template,
         "Prompt template for the prompt (as grpo train): r1, r1-think, plain (verbatim), chatml, chat or a "
         "file")
      ->capture_default_str();
  add_chat_prompt_options(*cmd, config.system_prompt, config.chat_template_kwargs, config.assistant_prefix,
                          section);
  option("--stop", config.stop_strings, "Stop strings stored with the checkpoints (for eval and sample)")
      ->capture_default_str();
  option("--completion-only-loss", config.completion_only_loss,
         "Loss on the completion / assistant tokens only (false: on every token)")
      ->capture_default_str();
  option("--max-length", config.max_length, "Tokens per example; longer ones lose their end (0 = context)")
      ->capture_default_str();
  cmd->add_flag("--packing", config.packing,
                "Pack several examples per row of --max-length (attention stays inside each)")
      ->group(section);
  section = "Optimisation";
  option("--per-device-train-batch-size,--batch-size", config.per_device_train_batch_size,
         "Examples (packed: rows) per step")
      ->capture_default_str();
  option("--num-train-epochs", config.num_train_epochs, "Passes over the data")->capture_default_str();
  option("--max-steps", config.max_steps, "Steps (> 0 overrides --num-train-epochs)")->capture_default_str();
  option("--lr,--learning-rate", config.learning_rate, "AdamW peak learning rate")->capture_default_str();
  option("--adam-beta1", config.adam_beta1, "AdamW beta1")->capture_default_str();
  option("--adam-beta2", config.adam_beta2, "AdamW beta2")->capture_default_str();
  option("--weight-decay", config.weight_decay, "AdamW weight decay (not on norms and biases)")
      ->capture_default_str();
  option("--warmup-steps", config.warmup_steps, "Linear warm-up steps")->capture_default_str();
  option("--lr-scheduler-type", config.lr_scheduler_type, "constant, cosine or linear")
      ->capture_default_str();
  option("--min-lr-ratio", config.min_lr_ratio, "Floor of the decay, as a share of --lr")
      ->capture_default_str();
  option("--max-grad-norm", config.max_grad_norm, "Gradient clipping (0 = off)")->capture_default_str();
  add_bf16_option(*cmd, config.bf16,
                  "bf16 mixed precision: bf16 forwards, float32 weights, AdamW state and loss", section);
  section = "Evaluation, logs and checkpoints";
  option("--eval-steps", config.eval_steps, "Eval loss every N steps (0 = at the end only)")
      ->capture_default_str();
  option("--logging-steps", config.logging_steps, "A console line every N steps")->capture_default_str();
  option("--save-steps", config.save_steps, "Checkpoint every N steps (and at the end)")
      ->capture_default_str();
  option("--save-total-limit", config.save_total_limit, "Checkpoints kept")->capture_default_str();
  CLI::Option* resume =
      option("--resume", config.resume,
             "Continue the run in --output-dir from its newest checkpoint, or from the checkpoint "
             "(or run directory) PATH")
          ->expected(0, 1)
          ->type_name("[PATH]");
  cmd->add_flag("--override", config.override_options,
                "With --resume: continue even though training options differ from the run's config.toml")
      ->group(section);
  cmd->add_flag("--overwrite", config.overwrite, "Delete the run already in --output-dir and start afresh")
      ->group(section);
  return resume;
}

// --resume: absent or "false" -> a new run; given alone or "true" -> "latest"; else the path.
inline void finish_resume_option(const CLI::Option* resume, std::string& value) {
  if (resume->count() == 0 || value == "false") {
    value.clear();
  } else if (value.empty() || value == "true") {
    value = "latest";
  }
}

// After parsing: --resume and --bf16 as SftConfig holds them.
inline void finish_sft_options(CLI::App& cmd, const CLI::Option* resume, SftConfig& config) {
  finish_resume_option(resume, config.resume);
  finish_switch_option(cmd, "--bf16", config.bf16);
}

}  // namespace grpo::app
