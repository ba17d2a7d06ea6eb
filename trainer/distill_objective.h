// `grpo distill`, token level: SftTrainer's steps with the teacher's distributions as the target (TRL's
// GKDTrainer). Each step is, with probability `lmbda` (drawn from the seed and the step, so that a resumed
// run repeats the uninterrupted one), on-policy: the student samples a completion for each example's prompt
// with the rollout engine and the teacher scores every token of it; otherwise the step trains on the rows'
// completions. Either way the loss is the generalised JSD (distill_loss.h) over the completion tokens:
// beta = 0 forward KL(teacher || student), beta = 1 reverse KL(student || teacher).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "rollout/engine.h"
#include "rollout/generation.h"
#include "tokenizer/tokenizer.h"
#include "trainer/sft_trainer.h"

namespace grpo {

struct DistillSettings {
  std::string teacher;           // model directory
  std::string student;           // model directory (its generation_config.json's end ids end samples)
  double lmbda = 0.5;            // share of on-policy steps (the student's own samples)
  double beta = 0.5;             // the generalised JSD's interpolation
  GenerationOptions generation;  // on-policy sampling: max_new_tokens, temperature, stop strings
  int64_t max_length = 1024;     // tokens per example (an on-policy example is cut to it)
  int64_t chunk_tokens = 1024;   // rows of [rows, V] logits computed at once
  uint64_t seed = 1;
  std::string device = "cpu";
  void validate() const;  // throws grpo::Error naming the option
};

// Throws grpo::Error when the two models cannot be distilled token by token: a different vocabulary size or
// a token with different text. `teacher_name` / `student_name` name them in the message.
void check_same_vocabulary(const ModelConfig& teacher_config, const Tokenizer& teacher_tokenizer,
                           const std::string& teacher_name, const ModelConfig& student_config,
                           const Tokenizer& student_tokenizer, const std::string& student_name);

class DistillObjective : public SftObjective {
 public:
  explicit DistillObjective(DistillSettings settings);
  ~DistillObjective() override;
  std::string trainer_name() const override { return "distill"; }
  void attach(Transformer model, const Tokenizer& tokenizer) override;
  SftLoss loss(const std::vector<const SftExample*>& examples, int64_t step,
               nlohmann::json& metrics) override;

  // Whether step `step` (0-based) trains on the student's own samples.
  bool on_policy(int64_t step) const;

 private:
  // Each example's prompt (the tokens before its first trained one) continued by a student sample.
  std::vector<SftExample> student_samples(const std::vector<const SftExample*>& examples, int64_t step);

  DistillSettings settings_;
  Transformer student_{nullptr};
  Transformer teacher_{nullptr};
  std::unique_ptr<RolloutEngine> engine_;
};

}  // namespace grpo
