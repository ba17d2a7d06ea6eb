// GrpoTrainer: the R1-Zero training loop. Each step: take a batch of questions; sample G completions each; score
// them; compute group-relative advantages; get the old-policy (and reference) log-probs; run mu passes of minibatch
// updates with the clipped objective; clip the gradient norm; step AdamW and the schedule; log; evaluate and
// checkpoint when due.
#pragma once

#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "datasets/prompt_template.h"
#include "datasets/training_data.h"
#include "logs/run_log_writer.h"
#include "model/transformer.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "tokenizer/tokenizer.h"
#include "trainer/grpo_loss.h"
#include "trainer/lr_schedule.h"
#include "trainer/trainer_config.h"
#include "trainer/training_batch.h"

namespace grpo {

// Set by SIGINT / SIGTERM while train() runs: the trainer finishes the step, checkpoints and returns.
std::atomic<bool>& stop_requested();

class GrpoTrainer {
 public:
  // `resolved_config_toml` is written to RUN_DIR/config.toml as the record of the run.
  GrpoTrainer(TrainerConfig config, std::string resolved_config_toml);
  ~GrpoTrainer();

  // Trains until max_steps, the data runs out, or a stop signal; checkpoints at the end.
  void train();

  int64_t step() const { return step_; }
  const nlohmann::json& last_metrics() const { return last_metrics_; }
  TransformerImpl& policy() { return *policy_; }

 private:
  struct Group;  // one question and its G scored completions

  nlohmann::json train_step();
  std::vector<Group> sample_groups(std::vector<Example> questions, uint64_t seed);
  void score_groups(std::vector<Group>& groups);
  std::vector<Group> collect_groups(double& rollout_seconds, double& reward_seconds, double& frac_zero_std);
  void compute_reference_logprobs(std::vector<TrainingSequence>& sequences);
  nlohmann::json update_policy(std::vector<TrainingSequence>& sequences, bool use_rollout_logprobs);
  void evaluate_and_log();
  void save();
  void resume_from_checkpoint();
  void print_step_line(const nlohmann::json& metrics) const;

  TrainerConfig config_;
  torch::Device device_;
  std::unique_ptr<Tokenizer> tokenizer_;
  Transformer policy_{nullptr};
  Transformer reference_{nullptr};  // loaded only when beta > 0
  bool reference_differs_ = false;  // true after a reference reset: then checkpoints carry it
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<RolloutEngine> engine_;
  TrainingData data_;
  PromptTemplate template_;
  std::vector<std::string> reward_specs_;
  RewardSet rewards_;
  size_t accuracy_index_ = 0;
  int format_index_ = -1;
  LossSettings loss_settings_;
  LrSchedule schedule_;
  std::unique_ptr<logs::RunLogWriter> run_log_;
  int64_t step_ = 0;
  double elapsed_before_resume_ = 0;
  double start_time_ = 0;
  nlohmann::json last_metrics_;
};

}  // namespace grpo
