// `grpo train`: GRPO from rewards alone. Every option is also a key of the [train] section of a --config
// file.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/chat_prompt_options.h"
#include "app/command.h"
#include "app/config_file.h"
#include "app/model_path.h"
#include "app/reward_options.h"
#include "app/rollout_memory_options.h"
#include "app/switch_option.h"
#include "distributed/local_launcher.h"
#include "model/model_summary.h"
#include "trainer/grpo_trainer.h"
#include "trainer/memory_plan.h"
#include "trainer/stop_signal.h"

namespace grpo::app {
namespace {

// --dry-run: the settings' estimated peak memory, from config.json alone.
void print_memory_plan(const TrainerConfig& config) {
  config.validate();
  const ModelConfig model = ModelConfig::load(std::filesystem::path(config.model) / "config.json");
  const MemoryPlan plan = plan_training_memory(model, config);
  fmt::print("grpo train --dry-run: {}\n  {}\n", config.model, describe_architecture(model));
  fmt::print("  trains {} parameters ({}{}); {} completions per step of <= {} + {} tokens\n",
             grouped_digits(plan.trainable_parameters), config.lora_r > 0 ? "LoRA" : "full fine-tuning",
             config.gradient_checkpointing ? ", gradient checkpointing" : "",
             config.questions_per_step * config.num_generations, config.max_prompt_length,
             config.max_completion_length);
  fmt::print("estimated memory (float32 weights{}, on {}):\n{}",
             config.bf16_enabled() ? ", bf16 forwards" : "", config.device, plan.to_text());
}

void add_train_command(CLI::App& app, CommandContext& context) {
  static TrainerConfig config;
  static distributed::LaunchSettings launch;
  auto* cmd = app.add_subcommand("train", "Train a model with GRPO on a data file or a built-in task");
  // `grpo train --help` lists the options by section, in the order of a training step.
  std::string section;
  auto option = [&](const std::string& name, auto& value, const std::string& help) {
    return cmd->add_option(name, value, help)->group(section);
  };
  auto flag = [&](const std::string& name, bool& value, const std::string& help) {
    return cmd->add_flag(name, value, help)->group(section);
  };
  // true | false | auto (the default); given alone it means true (completed in the callback: CLI11 would
  // give an option with a captured default that default when it is given without a value).
  section = "Model, data and prompts";
  option("--model", config.model, "Model directory (config.json, model.safetensors, tokenizer.model)")
      ->required();
  option("-o,--output-dir", config.output_dir, "Run directory: logs, checkpoints, config.toml")
      ->capture_default_str();
  option("--data", config.train_data, "Training data: a JSONL/JSON/CSV/TSV file or task:NAME")
      ->capture_default_str();
  option("--eval-data", config.eval_data, "Evaluation data (default: held out of --data)");
  option("--difficulty", config.difficulty, "Difficulty of a task source (preset or knob=value,...)");
  option("--eval-size", config.eval_size, "Evaluation problems (0 = no evaluation)")->capture_default_str();
  option("--question-field", config.question_field, "Row field holding the question (default: recognised)");
  option("--answer-field", config.answer_field, "Row field holding the gold answer (default: recognised)");
  flag("--skip-bad-rows", config.skip_bad_rows, "Skip malformed data rows (and report how many)");
  option("--template", config.prompt_template,
         "Prompt template: r1, r1-think, plain, chatml, chat (the model's own chat template) or a file")
      ->capture_default_str();
  option("--prefill", config.prefill, "Text forced at the start of every completion (e.g. '<think>')");
  add_chat_prompt_options(*cmd, config.system_prompt, config.chat_template_kwargs, config.assistant_prefix,
                          section);
  option("--max-prompt-length", config.max_prompt_length,
         "Prompt tokens kept: longer prompts lose their start, with a warning (0 = no limit)")
      ->capture_default_str();
  section = "Rewards";
  add_reward_options(*cmd,
                     {config.rewards, config.reward_weights, config.reward_timeout, config.reward_failure,
                      config.reward_default_score},
                     "the task's verifier, else accuracy; plus format", section);
  option("--accuracy-reward", config.accuracy_reward, "Reward reported as accuracy (default: the first)");
  section = "Rollouts";
  option("-G,--num-generations", config.num_generations, "Completions per question (G)")
      ->capture_default_str();
  option("--questions-per-step", config.questions_per_step, "Questions per step")->capture_default_str();
  option("--max-completion-length", config.max_completion_length, "New-token limit per completion")
      ->capture_default_str();
  option("--temperature", config.temperature, "Rollout sampling temperature")->capture_default_str();
  option("--top-p", config.top_p, "Rollout top-p")->capture_default_str();
  option("--top-k", config.top_k, "Rollout top-k (0 = off)")->capture_default_str();
  option("--min-p", config.min_p, "Rollout min-p (0 = off)")->capture_default_str();
  option("--stop", config.stop_strings, "Stop strings")->capture_default_str();
  add_rollout_memory_options(*cmd, config.rollout_memory, section);
  section = "Objective";
  option("--scale-rewards", config.scale_rewards, "Advantage scaling: group, batch or none")
      ->capture_default_str();
  option("--loss-type", config.loss_type, "Loss aggregation: grpo, bnpo, dapo or dr_grpo")
      ->capture_default_str();
  option("--importance-sampling-level", config.importance_sampling_level,
         "Importance ratio per token, or per sequence (GSPO)")
      ->capture_default_str();
  option("--epsilon", config.epsilon, "Clip range (low)")->capture_default_str();
  option("--epsilon-high", config.epsilon_high, "Clip range (high; 0 = same as --epsilon; DAPO 0.28)")
      ->capture_default_str();
  option("--beta", config.beta, "KL coefficient (0 = no reference model)")->capture_default_str();
  option("--ref-model-sync-steps", config.ref_model_sync_steps, "Reset the reference every N steps")
      ->capture_default_str();
  flag("--dynamic-sampling", config.dynamic_sampling, "Drop groups with equal rewards and refill (DAPO)");
  option("--max-resample-rounds", config.max_resample_rounds, "Bound on dynamic-sampling rounds")
      ->capture_default_str();
  flag("--mask-truncated-completions", config.mask_truncated_completions,
       "Completions cut by the length limit contribute no loss");
  flag("--use-routing-replay", config.use_routing_replay,
       "Mixture of experts: the update uses the old policy's experts per token (ratios compare the same "
       "experts)");
  option("--moe-bias-update-speed", config.moe_bias_update_speed,
         "Mixture of experts with topk_method noaux_tc: the balancing bias's step after each optimiser step "
         "(0 = frozen)")
      ->capture_default_str();
  section = "Optimisation";
  option("--lr,--learning-rate", config.learning_rate, "AdamW learning rate")->capture_default_str();
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
  option("--num-iterations", config.num_iterations, "mu: passes over each batch of rollouts")
      ->capture_default_str();
  option("--num-minibatches", config.num_minibatches, "Optimiser steps per pass")->capture_default_str();
  option("--micro-batch-tokens", config.micro_batch_tokens,
         "Update memory bound: padded tokens per forward/backward (0 = the whole minibatch)")
      ->capture_default_str();
  option(
      "--logits-chunk-tokens", config.logits_chunk_tokens,
      "Update memory bound: rows of [rows, vocabulary] logits alive at once, forward and backward (0 = all)")
      ->capture_default_str();
  option("--max-steps", config.max_steps, "Training steps")->capture_default_str();
  section = "Limited hardware";
  flag("--gradient-checkpointing", config.gradient_checkpointing,
       "Recompute each decoder layer in the backward pass: less activation memory, ~1/3 more compute");
  option("--lora-r", config.lora_r, "LoRA rank: train low-rank adapters only (0 = full fine-tuning)")
      ->capture_default_str();
  option("--lora-alpha", config.lora_alpha, "LoRA alpha (scaling = alpha / r)")->capture_default_str();
  option("--lora-dropout", config.lora_dropout, "Dropout on the adapters' input")->capture_default_str();
  option("--lora-target-modules", config.lora_target_modules,
         "Projections that get adapters (q_proj k_proj v_proj o_proj gate_proj up_proj down_proj, or "
         "all-linear)")
      ->capture_default_str()
      ->delimiter(',');
  add_bf16_option(*cmd, config.bf16,
                  "bf16 mixed precision: bf16 forwards and KV cache, float32 weights, AdamW state, log-probs "
                  "and loss",
                  section);
  add_switch_option(*cmd, "--recompute-old-logprobs", config.recompute_old_logprobs,
                    "With rollouts reused (mu > 1 or minibatches): old log-probs from the training forward, "
                    "not the rollout's (default auto: with bf16)",
                    section);
  option("--rollout-is-cap", config.rollout_is_cap,
         "Truncated importance sampling: policy-gradient terms times min(pi_train / pi_rollout, C) (0 = off; "
         "verl uses 2)")
      ->capture_default_str();
  flag("--dry-run", config.dry_run,
       "Print the estimated peak memory of weights, optimiser state, KV cache and activations, and stop");
  section = "Evaluation, logs and checkpoints";
  option("--eval-steps", config.eval_steps, "Evaluate every N steps (0 = start and end only)")
      ->capture_default_str();
  option("--eval-k", config.eval_k, "Samples per eval problem (pass@k, maj@k)")->capture_default_str();
  option("--eval-group-by", config.eval_group_by, "Row field for a per-value eval breakdown");
  option("--save-steps", config.save_steps, "Checkpoint every N steps (and at the end)")
      ->capture_default_str();
  option("--save-total-limit", config.save_total_limit, "Checkpoints kept")->capture_default_str();
  option("--log-completions", config.log_completions, "Completions logged per step (0 = all)")
      ->capture_default_str();
  auto* resume = option("--resume", config.resume,
                        "Continue the run in --output-dir from its newest checkpoint, or from the checkpoint "
                        "(or run directory) PATH")
                     ->expected(0, 1)
                     ->type_name("[PATH]");
  flag("--override", config.override_options,
       "With --resume: continue even though training options differ from the run's config.toml");
  flag("--overwrite", config.overwrite, "Delete the run already in --output-dir and start afresh");
  section = "Data parallelism (torchrun's RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, or --nproc-per-node)";
  option("--nproc-per-node", launch.processes,
         "Start N ranks on this machine, each with its share of --threads (1 = this process alone)")
      ->capture_default_str();
  option("--master-port", launch.master_port, "With --nproc-per-node: the rendezvous port (0 = a free one)")
      ->capture_default_str();
  option("--dist-backend", config.dist_backend, "gloo (CPUs) or nccl (CUDA GPUs, where LibTorch has it)")
      ->capture_default_str();
  option("--dist-timeout", config.dist_timeout,
         "Seconds a rank waits for the others (rendezvous, collectives) before stopping with an error")
      ->capture_default_str();
  cmd->callback([cmd, &app, &context, resume]() {
    finish_switch_option(*cmd, "--bf16", config.bf16);
    finish_switch_option(*cmd, "--recompute-old-logprobs", config.recompute_old_logprobs);
    // --resume alone (or `resume = true` in a config file): the newest checkpoint; not given: a new run.
    if (resume->count() == 0 || config.resume == "false") {
      config.resume.clear();
    } else if (config.resume.empty() || config.resume == "true") {
      config.resume = "latest";
    }
    context.uses_tensors = true;
    if (launch.processes > 1 && !distributed::launched_by_local_launcher()) {
      // The launcher: this command line again as N ranks (they see GRPO_LAUNCHED_RANK and train).
      context.uses_tensors = false;
      context.action = [&context]() {
        launch.threads = context.global.threads;
        launch.timeout_seconds = config.dist_timeout;
        const int status = distributed::launch_local_ranks(launch);
        std::fflush(stdout);
        std::exit(status);
      };
      return;
    }
    if (const char* threads = std::getenv(distributed::kRankThreadsVariable);
        threads != nullptr && distributed::launched_by_local_launcher()) {
      context.global.threads = std::atoi(threads);  // this rank's share of the launcher's --threads
    }
    context.action = [&app, &context]() {
      config.seed = context.global.seed;
      config.device = context.global.device;
      config.rewards = expand_reward_lists(config.rewards);
      config.model = resolve_model_directory(config.model, "--model", context.global.quiet);
      if (config.dry_run) {
        print_memory_plan(config);
        return;
      }
      {
        GrpoTrainer trainer(config, options_as_toml(app, false));
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

const CommandRegistration registration{"train", 40, add_train_command};

}  // namespace
}  // namespace grpo::app
