#include "trainer/trainer_config.h"

#include "core/error.h"
#include "core/strings.h"
#include "core/switch_value.h"
#include "model/lora.h"
#include "trainer/advantages.h"
#include "trainer/grpo_loss.h"
#include "trainer/lr_schedule.h"

namespace grpo {

bool TrainerConfig::bf16_enabled() const {
  return switch_value("bf16", bf16, starts_with(device, "cuda"));
}

bool TrainerConfig::recompute_old_logprobs_enabled() const {
  return switch_value("recompute_old_logprobs", recompute_old_logprobs, bf16_enabled());
}

void TrainerConfig::validate() const {
  if (model.empty()) fail("--model is required: a model directory (make one with `grpo init DIR`)");
  if (num_generations < 1) fail("num_generations must be >= 1, got {}", num_generations);
  if (num_generations == 1) {
    fail(
        "num_generations = 1: a group of one completion has advantage 0 with any scale_rewards ({}), so "
        "training would do nothing; use -G 2 or more (8 is usual)",
        scale_rewards);
  }
  if (questions_per_step < 1) fail("questions_per_step must be >= 1, got {}", questions_per_step);
  if (max_completion_length < 1) fail("max_completion_length must be >= 1, got {}", max_completion_length);
  if (dist_backend != "gloo" && dist_backend != "nccl") {
    fail("dist_backend '{}' is not known: use gloo (CPUs) or nccl (CUDA GPUs)", dist_backend);
  }
  if (!(dist_timeout > 0)) fail("dist_timeout must be > 0 seconds, got {}", dist_timeout);
  if (!(temperature > 0)) {
    fail(
        "temperature must be > 0 for training, got {}: the policy is trained on its sampling distribution "
        "softmax(logits / T), which greedy decoding does not have; use 1.0 (TRL's default) or e.g. 0.7",
        temperature);
  }
  if (max_prompt_length < 0) fail("max_prompt_length must be >= 0 (0 = no limit), got {}", max_prompt_length);
  if (!resume.empty() && overwrite) {
    fail(
        "--resume and --overwrite contradict each other: --resume continues the run in '{}', --overwrite "
        "deletes it",
        output_dir);
  }
  if (max_steps < 1) fail("max_steps must be >= 1, got {}", max_steps);
  if (!(learning_rate > 0)) fail("learning_rate must be > 0, got {}", learning_rate);
  if (epsilon < 0 || epsilon >= 1) fail("epsilon must be in [0, 1), got {}", epsilon);
  if (epsilon_high < 0) fail("epsilon_high must be >= 0 (0 = same as epsilon), got {}", epsilon_high);
  if (beta < 0) fail("beta must be >= 0, got {}", beta);
  if (num_iterations < 1) fail("num_iterations must be >= 1, got {}", num_iterations);
  if (num_minibatches < 1) fail("num_minibatches must be >= 1, got {}", num_minibatches);
  if (num_minibatches > questions_per_step * num_generations) {
    fail("num_minibatches ({}) exceeds the completions per step ({})", num_minibatches,
         questions_per_step * num_generations);
  }
  if (!reward_weights.empty() && !rewards.empty() && reward_weights.size() != rewards.size()) {
    fail("reward_weights has {} values for {} rewards: give one weight per reward", reward_weights.size(),
         rewards.size());
  }
  if (max_resample_rounds < 0) fail("max_resample_rounds must be >= 0, got {}", max_resample_rounds);
  if (reward_failure != "stop" && reward_failure != "default") {
    fail("reward_failure '{}' is not known: use stop or default", reward_failure);
  }
  if (micro_batch_tokens < 0)
    fail("micro_batch_tokens must be >= 0 (0 = no bound), got {}", micro_batch_tokens);
  if (logits_chunk_tokens < 0) {
    fail("logits_chunk_tokens must be >= 0 (0 = no bound), got {}", logits_chunk_tokens);
  }
  if (rollout_memory.max_decode_rows < 0) {
    fail("max_decode_rows must be >= 0 (0 = no bound), got {}", rollout_memory.max_decode_rows);
  }
  if (rollout_memory.max_prefill_tokens < 0) {
    fail("max_prefill_tokens must be >= 0 (0 = no bound), got {}", rollout_memory.max_prefill_tokens);
  }
  if (!(moe_bias_update_speed >= 0)) {
    fail("moe_bias_update_speed must be >= 0 (0 = the balancing bias stays as loaded), got {}",
         moe_bias_update_speed);
  }
  if (eval_k < 1) fail("eval_k must be >= 1, got {}", eval_k);
  LoraSettings{lora_r, lora_alpha, lora_dropout, lora_target_modules}.validate();
  if (lora_r > 0 && ref_model_sync_steps > 0) {
    fail(
        "--ref-model-sync-steps needs full fine-tuning: with --lora-r the reference is the base model with "
        "the adapters off, which a reset cannot move");
  }
  bf16_enabled();
  recompute_old_logprobs_enabled();
  if (rollout_is_cap < 0) fail("rollout_is_cap must be >= 0 (0 = off), got {}", rollout_is_cap);
  if (rollout_is_cap > 0 && rollout_is_cap < 1) {
    fail(
        "rollout_is_cap {} is below 1: it would shrink every token's weight, matched or not; verl uses 2 "
        "(0 = off)",
        rollout_is_cap);
  }
  if (rollout_is_cap > 0 && reuses_rollouts() && !recompute_old_logprobs_enabled()) {
    fail(
        "--rollout-is-cap needs the training forward's old log-probs to compare with the rollout's: with "
        "--num-iterations {} / --num-minibatches {} leave --recompute-old-logprobs on (true or auto with "
        "bf16)",
        num_iterations, num_minibatches);
  }
  parse_advantage_scaling(scale_rewards);
  parse_loss_type(loss_type);
  parse_importance_level(importance_sampling_level);
  parse_schedule(lr_scheduler_type);
}

}  // namespace grpo
