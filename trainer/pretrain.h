// Pre-training by next-token prediction: a base model from plain text (or a JSONL field). Documents are
// wrapped in bos/eos, concatenated into one token stream and cut into rows of seq_len + 1 tokens, with no
// document masking: a row may start mid-document and hold several documents, so what the model learns applies
// in any context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grpo {

struct PretrainConfig {
  std::string model;                     // model directory to start from (grpo init), with tokenizer.model
  std::string output;                    // where to write the trained model (default: overwrite `model`)
  std::vector<std::string> text_files;   // plain text, one document per line
  std::vector<std::string> jsonl_files;  // one document per row, from `jsonl_field`
  std::string jsonl_field = "text";
  int64_t seq_len = 128;
  int64_t batch_size = 32;
  int64_t max_steps = 700;
  double learning_rate = 2e-3;
  int64_t warmup_steps = 100;
  std::string lr_scheduler_type = "cosine";
  double min_lr_ratio = 0.1;
  double weight_decay = 0.1;
  double max_grad_norm = 1.0;
  double eval_fraction = 0.02;  // rows held out to report a validation loss
  int64_t eval_steps = 100;     // validation loss every N steps (and at the end)
  int64_t log_steps = 20;
  uint64_t seed = 1;
  std::string device = "cpu";
};

struct PretrainResult {
  double train_loss = 0;  // mean over the last log window
  double eval_loss = 0;   // at the end (NaN without held-out rows)
  int64_t tokens_seen = 0;
  int64_t corpus_tokens = 0;
  double seconds = 0;
};

PretrainResult pretrain(const PretrainConfig& config);

}  // namespace grpo
