#include "trainer/trainer_wiring.h"

#include <algorithm>

#include "rollout/generation_options.h"
#include "trainer/advantages.h"

namespace grpo {

DataSettings data_settings_of(const TrainerConfig& config) {
  DataSettings settings;
  settings.train = config.train_data;
  settings.eval = config.eval_data;
  settings.eval_size = static_cast<size_t>(std::max<int64_t>(0, config.eval_size));
  settings.seed = config.seed;
  settings.difficulty = config.difficulty;
  settings.load.fields.question_field = config.question_field;
  settings.load.fields.answer_field = config.answer_field;
  settings.load.skip_bad_rows = config.skip_bad_rows;
  return settings;
}

std::vector<std::string> reward_specs_of(const TrainerConfig& config, const std::string& task_reward) {
  if (!config.rewards.empty()) return config.rewards;
  return {task_reward.empty() ? "accuracy" : task_reward, "format"};
}

RewardOptions reward_options_of(const TrainerConfig& config) {
  RewardOptions options;
  options.timeout_seconds = config.reward_timeout;
  options.on_failure =
      config.reward_failure == "default" ? RewardFailurePolicy::default_score : RewardFailurePolicy::stop;
  options.default_score = config.reward_default_score;
  return options;
}

AdamWSettings adamw_settings_of(const TrainerConfig& config) {
  return {config.learning_rate, config.adam_beta1, config.adam_beta2, 1e-8, config.weight_decay};
}

LoraSettings lora_settings_of(const TrainerConfig& config) {
  return {config.lora_r, config.lora_alpha, config.lora_dropout, config.lora_target_modules};
}

LossSettings loss_settings_of(const TrainerConfig& config) {
  LossSettings settings;
  settings.loss_type = parse_loss_type(config.loss_type);
  settings.importance_level = parse_importance_level(config.importance_sampling_level);
  settings.epsilon = config.epsilon;
  settings.epsilon_high = config.epsilon_high > 0 ? config.epsilon_high : config.epsilon;
  settings.beta = config.beta;
  settings.max_completion_length = config.max_completion_length;
  return settings;
}

LrSchedule schedule_of(const TrainerConfig& config) {
  LrSchedule schedule;
  schedule.learning_rate = config.learning_rate;
  schedule.warmup_steps = config.warmup_steps;
  schedule.total_steps = config.max_steps;
  schedule.kind = parse_schedule(config.lr_scheduler_type);
  schedule.min_lr_ratio = config.min_lr_ratio;
  return schedule;
}

GenerationOptions generation_options_of(const TrainerConfig& config, uint64_t seed) {
  const SamplingParams sampling{config.temperature, config.top_k, config.top_p, config.min_p};
  return generation_options(config.num_generations, config.max_completion_length, sampling,
                            config.stop_strings, config.rollout_memory, seed);
}

EvalOptions eval_options_of(const TrainerConfig& config) {
  EvalOptions options;
  options.k = config.eval_k;
  options.temperature = config.temperature;
  options.max_new_tokens = config.max_completion_length;
  options.stop_strings = config.stop_strings;
  options.memory = config.rollout_memory;
  options.seed = config.seed + 7919;
  options.prefill = config.prefill;
  options.group_by_field = config.eval_group_by;
  return options;
}

logs::RolloutLogOptions rollout_log_options_of(const TrainerConfig& config) {
  logs::RolloutLogOptions options;
  options.completions_per_step = config.log_completions;
  options.seed = config.seed;
  return options;
}

ChatPromptOptions chat_prompt_options_of(const TrainerConfig& config) {
  return chat_prompt_options(config.system_prompt, config.chat_template_kwargs, config.assistant_prefix);
}

PromptSettings prompt_settings_of(const TrainerConfig& config, const PromptTemplate& prompt_template) {
  PromptSettings settings;
  settings.prompt_template = prompt_template;
  settings.prefill = config.prefill;
  settings.stop_strings = config.stop_strings;
  return settings;
}

}  // namespace grpo
