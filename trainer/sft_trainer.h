// SftTrainer: supervised fine-tuning (`grpo sft`). The examples are read and (with packing) packed once; each
// epoch visits the rows in an order drawn from the seed and the epoch, so that a step's batch is known from
// its number and a resumed run repeats the uninterrupted one exactly. Each step: the mean negative
// log-likelihood of the batch's trained tokens, gradient clipping, AdamW at the schedule's learning rate; the
// run directory gets what `grpo train` writes (config.toml, metrics.jsonl, checkpoints/, the same resume and
// stop rules), with the eval loss on held-out rows.
#pragma once

#include <torch/optim/adamw.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "datasets/prompt_template.h"
#include "logs/run_log_writer.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"
#include "trainer/lr_schedule.h"
#include "trainer/sft_config.h"
#include "trainer/sft_examples.h"

namespace grpo {

struct SftLoss;

// What a step of SftTrainer optimises, when it is not the supervised loss: `grpo distill` trains the student
// on a teacher's distributions (trainer/distill_objective.h) with everything else of `grpo sft` (data, rows,
// schedule, run directory, checkpoints, resume). Packing is refused with an objective.
class SftObjective {
 public:
  virtual ~SftObjective() = default;
  // Recorded in the checkpoints' trainer state; a run resumes only from checkpoints of the same name.
  virtual std::string trainer_name() const = 0;
  // Called once the trainer has loaded the model and its tokenizer, before the first step.
  virtual void attach(Transformer model, const Tokenizer& tokenizer) = 0;
  // The loss of step `step` (0-based) on these examples; may add entries to the step's `metrics`.
  virtual SftLoss loss(const std::vector<const SftExample*>& examples, int64_t step,
                       nlohmann::json& metrics) = 0;
};

class SftTrainer {
 public:
  SftTrainer(SftConfig config, std::string resolved_config_toml,
             std::unique_ptr<SftObjective> objective = nullptr);
  ~SftTrainer();

  // Trains to the last step or a stop signal (stop_signal.h); checkpoints at the end.
  void train();

  int64_t step() const { return step_; }
  int64_t total_steps() const { return total_steps_; }
  const nlohmann::json& last_metrics() const { return last_metrics_; }
  TransformerImpl& model() { return *model_; }

 private:
  nlohmann::json train_step();
  // The rows of the step `step` (0-based): indices into rows_.
  std::vector<size_t> rows_of_step(int64_t step) const;
  double eval_loss();
  void save();
  void resume_from_checkpoint();

  SftConfig config_;
  std::unique_ptr<SftObjective> objective_;  // null: the supervised loss
  std::string trainer_name_;                 // "sft" or the objective's
  torch::Device device_;
  torch::Dtype compute_dtype_ = torch::kFloat32;  // kBFloat16 with --bf16 (mixed_precision.h)
  std::unique_ptr<Tokenizer> tokenizer_;
  Transformer model_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  PromptTemplate template_;
  std::vector<SftExample> train_examples_, eval_examples_;
  std::vector<std::vector<size_t>> rows_;  // per training row, its examples (one each without packing)
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;
  LrSchedule schedule_;
  std::unique_ptr<logs::RunLogWriter> run_log_;
  int64_t step_ = 0;
  int64_t tokens_seen_ = 0;
  double elapsed_before_resume_ = 0;
  double start_time_ = 0;
  nlohmann::json last_metrics_;
};

}  // namespace grpo
