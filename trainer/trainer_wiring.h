// How the options of `grpo train` (TrainerConfig) become the settings of each part: data, rewards, sampling,
// loss, schedule, evaluation, logs. One function per part, so the trainer's constructor reads as a list.
#pragma once

#include <string>
#include <vector>

#include "datasets/chat_prompt.h"
#include "datasets/training_data.h"
#include "logs/rollout_log_writer.h"
#include "model/lora.h"
#include "rewards/reward_registry.h"
#include "rollout/generation.h"
#include "trainer/evaluation.h"
#include "trainer/grpo_loss.h"
#include "trainer/lr_schedule.h"
#include "trainer/optimizer.h"
#include "trainer/prompt_settings.h"
#include "trainer/trainer_config.h"

namespace grpo {

DataSettings data_settings_of(const TrainerConfig& config);
// The rewards named, or the task's verifier (accuracy for files) and format.
std::vector<std::string> reward_specs_of(const TrainerConfig& config, const std::string& task_reward);
RewardOptions reward_options_of(const TrainerConfig& config);
AdamWSettings adamw_settings_of(const TrainerConfig& config);
LoraSettings lora_settings_of(const TrainerConfig& config);
LossSettings loss_settings_of(const TrainerConfig& config);
LrSchedule schedule_of(const TrainerConfig& config);
// The rollout's sampling: G samples per prompt at the training temperature; `seed` varies by step and round.
GenerationOptions generation_options_of(const TrainerConfig& config, uint64_t seed);
EvalOptions eval_options_of(const TrainerConfig& config);
logs::RolloutLogOptions rollout_log_options_of(const TrainerConfig& config);
// --template chat's options (datasets/chat_prompt.h) as given to grpo train.
ChatPromptOptions chat_prompt_options_of(const TrainerConfig& config);
PromptSettings prompt_settings_of(const TrainerConfig& config, const PromptTemplate& prompt_template);

}  // namespace grpo
