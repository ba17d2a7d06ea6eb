// `grpo sft`: supervised fine-tuning on prompt + completion or chat rows (TRL's SFT option names). Every
// option is also a key of the [sft] section of a --config file.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "app/chat_prompt_options.h"
#include "app/command.h"
#include "app/config_file.h"
#include "app/model_path.h"
#include "trainer/sft_trainer.h"
#include "trainer/stop_signal.h"

namespace grpo::app {
namespace {

void add_sft_command(CLI::App& app, CommandContext& context) {
  static SftConfig config;
  auto* cmd = app.add_subcommand("sft", "Supervised fine-tuning on prompt + completion (or messages) rows");
  std::string section;
  auto option = [&](const std::string& name, auto& value, const std::string& help) {
    return cmd->add_option(name, value, help)->group(section);
  };
  section = "Model, data and prompts";
  option("--model", config.model, "Model directory (or a checkpoint / run directory) to start from")
      ->required();
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
  section = "Evaluation, logs and checkpoints";
  option("--eval-steps", config.eval_steps, "Eval loss every N steps (0 = at the end only)")
      ->capture_default_str();
  option("--logging-steps", config.logging_steps, "A console line every N steps")->capture_default_str();
  option("--save-steps", config.save_steps, "Checkpoint every N steps (and at the end)")
      ->capture_default_str();
  option("--save-total-limit", config.save_total_limit, "Checkpoints kept")->capture_default_str();
  auto* resume = option("--resume", config.resume,
                        "Continue the run in --output-dir from its newest checkpoint, or from the checkpoint "
                        "(or run directory) PATH")
                     ->expected(0, 1)
                     ->type_name("[PATH]");
  cmd->add_flag("--override", config.override_options,
                "With --resume: continue even though training options differ from the run's config.toml")
      ->group(section);
  cmd->add_flag("--overwrite", config.overwrite, "Delete the run already in --output-dir and start afresh")
      ->group(section);
  cmd->callback([&app, &context, resume]() {
    if (resume->count() == 0 || config.resume == "false") {
      config.resume.clear();
    } else if (config.resume.empty() || config.resume == "true") {
      config.resume = "latest";
    }
    context.uses_tensors = true;
    context.action = [&app, &context]() {
      config.seed = context.global.seed;
      config.device = context.global.device;
      config.model = resolve_model_directory(config.model, "--model", context.global.quiet);
      {
        SftTrainer trainer(config, options_as_toml(app, false));
        trainer.train();
      }
      // Stopped by a signal, with the checkpoint saved: 128 + N tells a scheduler the run was preempted.
      if (stop_signal() != 0) {
        std::fflush(stdout);
        std::exit(128 + stop_signal());
      }
    };
  });
}

const CommandRegistration registration{"sft", 38, add_sft_command};

}  // namespace
}  // namespace grpo::app
