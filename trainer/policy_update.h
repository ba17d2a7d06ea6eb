// The policy update of one GRPO step, as the algorithm reads:
//
//   for pass in 1 .. mu (num_iterations):
//     shuffle the step's sequences (with several minibatches) and cut them into num_minibatches minibatches
//     for each minibatch:                                      (one optimiser step)
//       for each micro-batch (a token budget, for memory):   forward, loss share, backward (gradients add up)
//       (data parallelism: sum the gradients over the ranks)
//       clip the gradient norm; AdamW step
//
// The loss of a minibatch does not depend on how it is split into micro-batches (see grpo_loss.h).
// scripts/reference/policy_update.py is the independent PyTorch reference of this whole function.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <vector>

#include "model/transformer.h"
#include "trainer/grpo_loss.h"
#include "trainer/training_batch.h"

namespace torch::optim {
class Optimizer;
}
namespace grpo::distributed {
class Collectives;
}

namespace grpo {

struct PolicyUpdateSettings {
  LossSettings loss;
  double temperature = 1.0;           // log-probs are log_softmax(logits / T): the rollout's distribution
  int64_t num_iterations = 1;         // mu: passes over the sequences
  int64_t num_minibatches = 1;        // optimiser steps per pass
  int64_t micro_batch_tokens = 8192;  // padded tokens per forward/backward (0 = the whole minibatch at once)
  double max_grad_norm = 1.0;         // 0 = no clipping
  int64_t logits_chunk_tokens =
      1024;                   // rows of [rows, V] logits alive at once, forward and backward (0 = all)
  uint64_t shuffle_seed = 1;  // the minibatch order of each pass comes from (shuffle_seed, step, pass)
  // Mixed precision: every forward runs in a MixedPrecisionScope of this dtype (kFloat32 = none); the
  // log-probs, the loss and the gradients' reductions stay float32, and so do the parameters and AdamW.
  torch::Dtype compute_dtype = torch::kFloat32;
  // Truncated importance sampling (grpo_loss.h): cap C, 0 = off. Needs each sequence's rollout_logprobs.
  double rollout_is_cap = 0.0;
  // Data parallelism (null: one process): each rank updates on its own sequences; the minibatch totals the
  // loss normalises by, the gradients (before clipping, so the norm is global) and the metrics are summed
  // over the ranks, so every rank takes the same optimiser step as one process holding all the sequences.
  distributed::Collectives* collectives = nullptr;
  // Mixture-of-experts policies (ignored for dense ones):
  bool routing_replay = false;  // the update's forwards use the old policy's experts (see update_policy)
  // DeepSeek-V3's gamma: the balancing biases' step after each optimiser step (topk_method noaux_tc).
  double bias_update_speed = 0.001;
};

// Sums and means over one update (all passes and minibatches).
struct PolicyUpdateMetrics {
  double loss = 0;       // mean minibatch loss over the optimiser steps
  double kl = 0;         // per masked token
  double entropy = 0;    // per masked token
  double clip_low = 0;   // share of masked tokens clipped below (A < 0)
  double clip_high = 0;  // share of masked tokens clipped above (A > 0)
  double grad_norm = 0;  // mean over the optimiser steps, before clipping
  int64_t optimizer_steps = 0;
  int64_t tokens_trained = 0;  // real (unpadded) tokens through forward and backward
  nlohmann::json moe;          // the routing metrics of an MoE policy (trainer/moe_routing.h), else {}
  // Rollout / training mismatch, over the first pass's masked tokens, when the sequences carry
  // rollout_logprobs (else not measured, -1): mean |old_logp_train - logp_rollout|; with TIS on, the mean
  // weight and the share of tokens at the cap.
  double rollout_logprob_abs_diff = -1;
  double rollout_is_weight = -1;
  double rollout_is_capped = -1;
  nlohmann::json to_json() const;  // metrics.jsonl keys
};

// What an observer sees once per optimiser step: the minibatch's gradients are accumulated in the parameters'
// .grad() and not yet clipped.
struct MinibatchReport {
  int64_t pass = 0;
  int64_t minibatch = 0;
  const std::vector<size_t>* rows = nullptr;  // the sequences of this minibatch
  double loss = 0;                            // the minibatch's loss
  double max_abs_log_ratio = 0;               // max |logp - old_logp| over its masked tokens (0: ratio 1)
};
using MinibatchObserver = std::function<void(const MinibatchReport&)>;

// Runs the update on `sequences` (advantages set; old_logprobs when use_rollout_logprobs; ref_logprobs when
// loss.beta > 0; rollout_logprobs, when present, are compared with the training forward's old log-probs).
// With use_rollout_logprobs false (mu = 1 and one minibatch: the sampling policy is the current one) the old
// log-probs are the current ones, detached: ratio 1, gradient intact. `step` only names
// the step in errors (a non-finite loss or gradient stops the run). Leaves the policy in eval mode with no
// gradients.
// An MoE policy: with use_rollout_logprobs (the weights change during the update), a forward (no backward)
// over the first pass's micro-batches first records the old policy's experts per token; the update's forwards
// compare their routing with it and, with routing_replay, use those experts instead, with old log-probs
// recomputed by that forward (so the first optimiser step's ratio is exactly 1). The balance loss
// (router_aux_loss_coef > 0) is added to each minibatch's loss, and the balancing biases (topk_method
// noaux_tc) move after each optimiser step by bias_update_speed.
PolicyUpdateMetrics update_policy(TransformerImpl& policy, torch::optim::Optimizer& optimizer,
                                  std::vector<TrainingSequence>& sequences,
                                  const PolicyUpdateSettings& settings, int64_t step,
                                  bool use_rollout_logprobs, const MinibatchObserver& observer = {});

// The order of `count` sequences in pass `pass` of step `step`: a Fisher-Yates shuffle (from the last index
// down, j = next() % (i + 1)) drawing from splitmix64 started at seed * 0x9E3779B97F4A7C15 + step *
// 0xD1B54A32D192ED03 + pass. It depends on nothing else, so a resumed run repeats it; the Python reference
// reproduces it.
std::vector<size_t> minibatch_order(size_t count, uint64_t seed, int64_t step, int64_t pass);

// Log-probs of every sequence's completion tokens under `model` at `temperature` (no gradient), computed in
// micro-batches of `micro_batch_tokens` (logits `logits_chunk_tokens` rows at a time) and stored into each
// sequence's `field` (e.g. &TrainingSequence::ref_logprobs); the forwards in compute_dtype (mixed precision).
void compute_completion_logprobs(TransformerImpl& model, std::vector<TrainingSequence>& sequences,
                                 int64_t micro_batch_tokens, double temperature,
                                 std::vector<float> TrainingSequence::*field,
                                 int64_t logits_chunk_tokens = 1024,
                                 torch::Dtype compute_dtype = torch::kFloat32);

}  // namespace grpo
