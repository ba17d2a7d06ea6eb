// GrpoTrainer: the R1-Zero training loop. Each step: take a batch of questions; sample G completions each;
// score them; compute group-relative advantages; get the old-policy (and reference) log-probs; run mu passes
// of minibatch updates with the clipped objective; clip the gradient norm; step AdamW and the schedule; log;
// evaluate and checkpoint when due. The parts live in their own files: grpo_trainer.cpp (the loop and the
// step), grpo_trainer_rollouts.cpp (sampling and scoring groups, dynamic sampling),
// grpo_trainer_checkpoints.cpp (save and resume), grpo_trainer_reporting.cpp (evaluation and the console),
// with the wiring of options in trainer_wiring.h, the metrics in step_metrics.h and stopping in
// stop_signal.h.
//
// Data parallelism (torchrun's environment, distributed/): every rank reads the same question stream (the
// data cursor is global) and takes its share of each step's questions, whole groups; the groups are gathered
// so that advantages, metrics and logs cover the whole step; the update sums the loss normalisers and the
// gradients over the ranks (policy_update.h), so every rank takes the same optimiser step. Rank 0 alone
// writes the run directory: metrics, completions, evaluations, checkpoints.
#pragma once

#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

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
#include "trainer/rollout_group.h"
#include "trainer/step_metrics.h"
#include "trainer/stop_signal.h"
#include "trainer/trainer_config.h"
#include "trainer/training_batch.h"

namespace grpo {

namespace distributed {
class Collectives;
}

class GrpoTrainer {
 public:
  // `resolved_config_toml` is written to RUN_DIR/config.toml as the record of the run (a resumed run keeps
  // the earlier ones in RUN_DIR/config-history/).
  GrpoTrainer(TrainerConfig config, std::string resolved_config_toml);
  ~GrpoTrainer();

  // Trains until max_steps, the data runs out, or a stop signal (see stop_signal.h); checkpoints at the end.
  void train();

  int64_t step() const { return step_; }
  const nlohmann::json& last_metrics() const { return last_metrics_; }
  TransformerImpl& policy() { return *policy_; }

 private:
  struct PhaseSeconds {
    double rollout = 0, reward = 0, logprobs = 0, update = 0;
  };
  struct PhasePeak {  // peak memory of one phase, MiB (-1: not measured): host resident set, CUDA allocator
    double host = -1, device = -1;
  };
  struct PhasePeaks {
    PhasePeak rollout, logprobs, update;
  };

  // grpo_trainer.cpp: one step; null when the data ran out or a stop came before the update (step abandoned).
  nlohmann::json train_step();
  bool stop_agreed();  // a stop was asked on any rank (one process: on this one)
  void broadcast_weights();
  // From the reference model, or with LoRA from the policy with its adapters off.
  void compute_reference_logprobs(std::vector<TrainingSequence>& sequences);
  int64_t trainable_parameter_count();
  nlohmann::json update_policy(std::vector<TrainingSequence>& sequences, bool use_rollout_logprobs);
  void reset_reference_when_due();

  // grpo_trainer_rollouts.cpp
  std::vector<RolloutGroup> collect_groups(PhaseSeconds& seconds, double& frac_zero_std);
  std::vector<RolloutGroup> sample_groups(std::vector<Example> questions, uint64_t seed,
                                          int64_t first_question_index);
  std::vector<RolloutGroup> gather_groups(const std::vector<RolloutGroup>& groups, size_t& first_of_mine);
  std::vector<int64_t> prompt_ids_of(const std::string& rendered_prompt, const Example& example);
  void score_groups(std::vector<RolloutGroup>& groups);
  std::string scored_text(const Completion& completion) const;

  // grpo_trainer_checkpoints.cpp
  void save();
  void resume_from_checkpoint();

  // grpo_trainer_reporting.cpp
  void evaluate_and_log();
  void print_step_line(const nlohmann::json& metrics) const;

  TrainerConfig config_;
  torch::Device device_;
  torch::Dtype compute_dtype_ =
      torch::kFloat32;  // kBFloat16 with --bf16: every forward (a MixedPrecisionScope)
  std::unique_ptr<distributed::Collectives> collectives_;  // one process unless torchrun's environment says
  std::unique_ptr<Tokenizer> tokenizer_;
  Transformer policy_{nullptr};
  Transformer reference_{nullptr};  // loaded only when beta > 0 without LoRA
  bool reference_differs_ = false;  // true after a reference reset: then checkpoints carry it
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<RolloutEngine> engine_;
  TrainingData data_;
  PromptTemplate template_;
  std::vector<int64_t> prefill_ids_;
  std::vector<std::string> reward_specs_;
  RewardSet rewards_;
  RewardRoles reward_roles_;
  LossSettings loss_settings_;
  LrSchedule schedule_;
  std::unique_ptr<logs::RunLogWriter> run_log_;
  int64_t step_ = 0;
  int64_t prompts_cut_ = 0;  // prompts longer than max_prompt_length, cut from the left, over the run
  double elapsed_before_resume_ = 0;
  double start_time_ = 0;
  nlohmann::json last_metrics_;
};

}  // namespace grpo
