// `grpo pretrain`: next-token prediction on your own text, to make a base model for GRPO.
#include "app/command.h"
#include "app/model_path.h"
#include "core/error.h"
#include "trainer/pretrain.h"

namespace grpo::app {
namespace {

void add_pretrain_command(CLI::App& app, CommandContext& context) {
  static PretrainConfig config;
  auto* cmd = app.add_subcommand("pretrain", "Pre-train a model by next-token prediction on text files");
  cmd->add_option("--model", config.model, "Model directory to start from (grpo init), with tokenizer.model")
      ->required();
  cmd->add_option("-o,--output", config.output,
                  "Where to write the trained model (default: overwrite --model)");
  cmd->add_option("--text", config.text_files, "Plain-text files, one document per line");
  cmd->add_option("--data", config.jsonl_files, "JSONL files, one document per row");
  cmd->add_option("--field", config.jsonl_field, "Text field of the JSONL rows")->capture_default_str();
  cmd->add_option("--seq-len", config.seq_len, "Tokens per row")->capture_default_str();
  cmd->add_option("--batch-size", config.batch_size, "Rows per step")->capture_default_str();
  cmd->add_option("--max-steps", config.max_steps, "Optimiser steps")->capture_default_str();
  cmd->add_option("--lr,--learning-rate", config.learning_rate, "AdamW peak learning rate")
      ->capture_default_str();
  cmd->add_option("--warmup-steps", config.warmup_steps, "Linear warm-up steps")->capture_default_str();
  cmd->add_option("--lr-scheduler-type", config.lr_scheduler_type, "constant, cosine or linear")
      ->capture_default_str();
  cmd->add_option("--min-lr-ratio", config.min_lr_ratio, "Floor of the decay, as a share of --lr")
      ->capture_default_str();
  cmd->add_option("--weight-decay", config.weight_decay, "AdamW weight decay (not on norms and biases)")
      ->capture_default_str();
  cmd->add_option("--max-grad-norm", config.max_grad_norm, "Gradient clipping (0 = off)")
      ->capture_default_str();
  cmd->add_option("--eval-fraction", config.eval_fraction, "Share of rows held out for a validation loss")
      ->capture_default_str();
  cmd->add_option("--eval-steps", config.eval_steps, "Validation loss every N steps")->capture_default_str();
  cmd->add_option("--log-steps", config.log_steps, "Print a line every N steps")->capture_default_str();
  cmd->callback([&context]() {
    context.uses_tensors = true;
    context.action = [&context]() {
      config.seed = context.global.seed;
      config.device = context.global.device;
      const std::string given = config.model;
      config.model = resolve_model_directory(given, "--model", context.global.quiet);
      if (config.model != given && config.output.empty()) {
        fail(
            "--model '{}' is a checkpoint or run directory; pre-training would overwrite the model inside "
            "it: "
            "give -o DIR for the trained model",
            given);
      }
      pretrain(config);
    };
  });
}

const CommandRegistration registration{"pretrain", 35, add_pretrain_command};

}  // namespace
}  // namespace grpo::app
