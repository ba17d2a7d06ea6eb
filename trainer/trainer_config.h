// TrainerConfig: every option of `grpo train`, named as in TRL / verl where they have a name for it.
// Defaults follow TRL's GRPOConfig unless noted (see ../shared/docs/GRPO.md for the published settings).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rollout/memory_bounds.h"

namespace grpo {

struct TrainerConfig {
  // ---- model, data, prompts
  std::string model;                             // model directory (config.json, weights, tokenizer.model)
  std::string output_dir = "runs/grpo";          // the run directory: logs, checkpoints, config.toml
  std::string train_data = "task:box_stacking";  // a data file or task:NAME
  std::string eval_data;                         // a file or task:NAME; empty: held out of train_data
  std::string difficulty;                        // for task sources
  int64_t eval_size = 100;                       // eval problems (0 = no evaluation set)
  std::string question_field, answer_field;
  bool skip_bad_rows = false;          // skip malformed data rows (and count them) instead of stopping
  std::string prompt_template = "r1";  // r1 | r1-think | plain | chatml | chat | a file
  std::string prefill;                 // text forced at the start of every completion (e.g. "<think>")
  // --template chat: the model's chat template with [system prompt,] the question as the user message
  std::string system_prompt;
  std::vector<std::string> chat_template_kwargs;  // key=value, e.g. enable_thinking=false
  std::string assistant_prefix;     // ends the prompt (e.g. "<think>\n"); not part of the completion
  int64_t max_prompt_length = 512;  // longer prompts lose their start, with a warning (0 = no limit)

  // ---- rewards
  std::vector<std::string> rewards;     // empty: the task's verifier (or accuracy) + format
  std::vector<double> reward_weights;   // one per reward; empty = all 1
  std::string accuracy_reward;          // which reward counts as "accuracy" in metrics (empty: the first)
  double reward_timeout = 120;          // plugin and process rewards: seconds one batch may take
  std::string reward_failure = "stop";  // stop | default: a failing plugin/process reward stops the run, or
  double reward_default_score = 0.0;    //   gives its completions this score with a warning

  // ---- rollouts
  int64_t num_generations = 8;      // G
  int64_t questions_per_step = 16;  // questions per step (x G completions), over all data-parallel ranks
  int64_t max_completion_length = 256;
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;
  double min_p = 0.0;
  std::vector<std::string> stop_strings = {"</answer>"};
  RolloutMemoryBounds rollout_memory;  // max_decode_rows, max_prefill_tokens (0 = none)

  // ---- objective
  std::string scale_rewards = "group";              // group | batch | none
  std::string loss_type = "dapo";                   // grpo | bnpo | dapo | dr_grpo
  std::string importance_sampling_level = "token";  // token | sequence (GSPO)
  double epsilon = 0.2;
  double epsilon_high = 0.0;                // 0 = same as epsilon; DAPO: 0.28
  double beta = 0.0;                        // KL coefficient; 0 loads no reference model
  int64_t ref_model_sync_steps = 0;         // reset the reference to the policy every N steps (0 = never)
  bool dynamic_sampling = false;            // drop groups whose rewards are all equal and refill (DAPO)
  int64_t max_resample_rounds = 3;          // bound on the extra generation rounds of dynamic sampling
  bool mask_truncated_completions = false;  // completions cut by the length limit contribute no loss
  // Mixture-of-experts policies (see trainer/moe_routing.h):
  bool use_routing_replay = false;       // the update uses the old policy's experts per token (slime's name)
  double moe_bias_update_speed = 0.001;  // DeepSeek-V3's gamma, for topk_method noaux_tc (0 = frozen bias)

  // ---- optimisation
  double learning_rate = 1e-6;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double weight_decay = 0.0;  // not applied to norms and biases
  int64_t warmup_steps = 0;
  std::string lr_scheduler_type = "constant";  // constant | cosine | linear
  double min_lr_ratio = 0.0;
  double max_grad_norm = 1.0;          // 0 = no clipping
  int64_t num_iterations = 1;          // mu: passes over each batch of rollouts
  int64_t num_minibatches = 1;         // optimiser steps per pass
  int64_t micro_batch_tokens = 8192;   // token budget per forward/backward (gradient accumulation)
  int64_t logits_chunk_tokens = 1024;  // [rows, V] logits rows alive at once in the update (0 = all at once)
  int64_t max_steps = 100;

  // ---- limited hardware (issue 15)
  bool gradient_checkpointing = false;  // recompute each decoder layer in the backward pass
  int64_t lora_r = 0;                   // LoRA rank (0 = full fine-tuning); PEFT's names below
  double lora_alpha = 8.0;              // scaling = lora_alpha / lora_r
  double lora_dropout = 0.0;
  std::vector<std::string> lora_target_modules = {"q_proj", "v_proj"};  // or all-linear
  bool dry_run = false;  // print the estimated peak memory and stop before loading anything
  // Mixed precision (model/mixed_precision.h): true | false | auto (= on with CUDA, off on the CPU).
  std::string bf16 = "auto";
  // The old log-probs of the ratio from the training forward instead of the rollout's, when rollouts are
  // reused (mu > 1 or several minibatches; otherwise the update's own forward gives them): true | false |
  // auto (= on with bf16, whose rollouts and training forwards differ in numerics).
  std::string recompute_old_logprobs = "auto";
  double rollout_is_cap =
      0.0;  // truncated importance sampling (verl): min(pi_train / pi_rollout, C); 0 = off

  // ---- evaluation, logging, checkpoints
  int64_t eval_steps = 0;         // evaluate every N steps (0 = only at the start and the end)
  int64_t eval_k = 4;             // samples per problem for mean accuracy / pass@k / maj@k
  std::string eval_group_by;      // a row field for a per-value breakdown (e.g. num_ops)
  int64_t save_steps = 50;        // checkpoint every N steps (and at the end)
  int64_t save_total_limit = 3;   // keep the last K checkpoints
  int64_t log_completions = 0;    // completions logged per step (0 = all)
  std::string resume;             // "" = a new run; "latest" = the newest checkpoint in output_dir;
                                  //   else a checkpoint directory to continue from
  bool override_options = false;  // resume even when training options differ from the run's config
  bool overwrite = false;         // start afresh in an output_dir that holds a run (deleting it)

  // ---- data parallelism (the ranks come from torchrun's environment: distributed/rank_environment.h)
  std::string dist_backend = "gloo";  // gloo | nccl
  double dist_timeout = 1800;         // seconds a rank waits for the others (rendezvous, collectives)

  // ---- set from the global options
  uint64_t seed = 1;
  std::string device = "cpu";

  // Throws grpo::Error naming the option and value when a setting or combination is invalid.
  void validate() const;
  // bf16 and recompute_old_logprobs resolved ("auto" decided by the device and by bf16).
  bool bf16_enabled() const;
  bool recompute_old_logprobs_enabled() const;
  // Whether the update reuses each step's rollouts (mu > 1 or several minibatches): then the old log-probs
  // must be stored (the rollout's or recomputed) rather than the update's own forward.
  bool reuses_rollouts() const { return num_iterations > 1 || num_minibatches > 1; }
};

}  // namespace grpo
