#include "trainer/policy_update.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "distributed/collectives.h"
#include "logs/metric_names.h"
#include "model/mixed_precision.h"
#include "trainer/moe_routing.h"

namespace grpo {

namespace metric = logs::metric;

namespace {

// Sums over the micro-batches of an update, turned into PolicyUpdateMetrics at the end.
struct UpdateSums {
  double masked_tokens = 0, kl = 0, clip_low = 0, clip_high = 0, entropy = 0, entropy_tokens = 0;
  double grad_norm = 0, loss = 0, aux_loss = 0;
  int64_t optimizer_steps = 0, tokens_trained = 0;
  // Rollout / training mismatch over the first pass (mismatch_tokens = 0: not measured).
  double mismatch_tokens = 0, abs_logprob_diff = 0, is_weight = 0, is_capped = 0;
};

// The totals the loss normalises by: the whole minibatch's, whatever its micro-batch split.
MinibatchTotals minibatch_totals(const std::vector<TrainingSequence>& sequences,
                                 const std::vector<size_t>& rows) {
  MinibatchTotals totals;
  totals.sequences = static_cast<double>(rows.size());
  for (size_t row : rows) {
    if (!sequences[row].loss_masked)
      totals.completion_tokens += static_cast<double>(sequences[row].completion_ids.size());
  }
  return totals;
}

// The totals over every rank's share of the minibatch (the loss normalisers are global).
MinibatchTotals global_totals(MinibatchTotals totals, distributed::Collectives* collectives) {
  if (collectives == nullptr) return totals;
  std::vector<double> sums{totals.sequences, totals.completion_tokens};
  collectives->all_reduce_sum(sums);
  return {sums[0], sums[1]};
}

// Every rank's accumulated gradients summed, in place: each rank's loss was normalised by the global totals,
// so the sum is the gradient of the whole minibatch's loss. A parameter this rank did not reach (no
// sequences in its share) contributes zeros.
void sum_gradients(TransformerImpl& policy, distributed::Collectives* collectives) {
  if (collectives == nullptr || !collectives->is_distributed()) return;
  std::vector<torch::Tensor> gradients;
  for (auto& parameter : policy.parameters()) {
    if (!parameter.requires_grad()) continue;
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
    gradients.push_back(parameter.grad());
  }
  collectives->all_reduce_sum(gradients);
}

// The metric sums over the ranks (the loss and the gradient norm are global already).
void sum_metrics(UpdateSums& sums, distributed::Collectives* collectives) {
  if (collectives == nullptr) return;
  std::vector<double> values{sums.masked_tokens,
                             sums.kl,
                             sums.clip_low,
                             sums.clip_high,
                             sums.entropy,
                             sums.entropy_tokens,
                             static_cast<double>(sums.tokens_trained),
                             sums.aux_loss,
                             sums.mismatch_tokens,
                             sums.abs_logprob_diff,
                             sums.is_weight,
                             sums.is_capped};
  collectives->all_reduce_sum(values);
  sums.masked_tokens = values[0];
  sums.kl = values[1];
  sums.clip_low = values[2];
  sums.clip_high = values[3];
  sums.entropy = values[4];
  sums.entropy_tokens = values[5];
  sums.tokens_trained = static_cast<int64_t>(values[6]);
  sums.aux_loss = values[7];
  sums.mismatch_tokens = values[8];
  sums.abs_logprob_diff = values[9];
  sums.is_weight = values[10];
  sums.is_capped = values[11];
}

// The training forward's old log-probs against the rollout's: sums over the micro-batch's masked tokens.
// train_old, rollout, mask [b, L]; weights [b, L] or undefined (TIS off).
void add_mismatch(const torch::Tensor& train_old, const torch::Tensor& rollout, const torch::Tensor& mask,
                  const torch::Tensor& weights, double cap, UpdateSums& sums) {
  torch::NoGradGuard no_grad;
  sums.mismatch_tokens += mask.sum().item<double>();
  sums.abs_logprob_diff += ((train_old - rollout).abs() * mask).sum().item<double>();
  if (!weights.defined()) return;
  sums.is_weight += (weights * mask).sum().item<double>();
  sums.is_capped += ((weights >= cap).to(mask.scalar_type()) * mask).sum().item<double>();
}

// The expert load each rank observed since the last bias update, summed over the ranks.
void sum_expert_load(TransformerImpl& policy, distributed::Collectives* collectives) {
  if (collectives == nullptr || !collectives->is_distributed()) return;
  std::vector<torch::Tensor> loads;
  for (auto& block : policy.sparse_blocks()) {
    if (!block->balancing_bias.defined()) continue;
    if (!block->observed_load.defined()) block->observed_load = torch::zeros_like(block->balancing_bias);
    loads.push_back(block->observed_load);
  }
  collectives->all_reduce_sum(loads);
}

// Forward and backward of one micro-batch: its share of the minibatch loss; gradients accumulate.
double micro_batch_step(TransformerImpl& policy, const std::vector<TrainingSequence>& sequences,
                        const std::vector<size_t>& rows, const PolicyUpdateSettings& settings,
                        const MinibatchTotals& totals, int64_t step, bool use_rollout_logprobs,
                        bool measure_mismatch, UpdateSums& sums, double& max_abs_log_ratio) {
  MicroBatch batch = make_micro_batch(sequences, rows, policy.device());
  torch::Tensor entropy;   // [b, L]
  torch::Tensor logprobs;  // [b, L] float32 whatever the compute dtype
  {
    const MixedPrecisionScope precision(policy.device(), settings.compute_dtype, /*cache_weights=*/false);
    policy.set_routing_reference(routing_of(sequences, batch), settings.routing_replay);
    auto hidden = policy.hidden_states(batch.input_ids, batch.positions, batch.attention_mask);  // [b, L, D]
    policy.set_routing_reference({}, false);
    logprobs = token_logprobs(policy, hidden, batch.targets, batch.completion_positions, settings.temperature,
                              &entropy, settings.logits_chunk_tokens);
  }
  LossInputs inputs;
  inputs.logprobs = logprobs;
  inputs.old_logprobs = use_rollout_logprobs
                            ? scatter_completion_values(sequences, batch, &TrainingSequence::old_logprobs)
                            : logprobs.detach();
  if (settings.loss.beta > 0) {
    inputs.ref_logprobs = scatter_completion_values(sequences, batch, &TrainingSequence::ref_logprobs);
  }
  inputs.advantages = batch.advantages;
  inputs.mask = batch.loss_mask;
  bool has_rollout_logprobs = true;
  for (size_t row : rows) {
    const auto& sequence = sequences[row];
    if (sequence.rollout_logprobs.size() != sequence.completion_ids.size()) has_rollout_logprobs = false;
  }
  if (settings.rollout_is_cap > 0 || (measure_mismatch && has_rollout_logprobs)) {
    if (!has_rollout_logprobs) {
      fail("step {}: truncated importance sampling needs the rollout's log-probs of every sequence",
           step + 1);
    }
    auto rollout =
        scatter_completion_values(sequences, batch, &TrainingSequence::rollout_logprobs);  // [b, L]
    if (settings.rollout_is_cap > 0) {
      inputs.is_weights = truncated_importance_weights(inputs.old_logprobs, rollout, settings.rollout_is_cap);
    }
    if (measure_mismatch) {
      add_mismatch(inputs.old_logprobs.detach(), rollout, batch.loss_mask, inputs.is_weights,
                   settings.rollout_is_cap, sums);
    }
  }
  LossOutput out = grpo_loss(inputs, settings.loss, totals);
  max_abs_log_ratio =
      std::max(max_abs_log_ratio,
               ((logprobs.detach() - inputs.old_logprobs).abs() * inputs.mask).max().item<double>());
  const double loss = out.loss.item<double>();
  if (!std::isfinite(loss)) {
    fail(
        "step {}: the loss is {} (not finite); stopping without writing a checkpoint (the last one is "
        "intact). Lower learning_rate or check the rewards",
        step + 1, loss);
  }
  auto total_loss = out.loss;
  if (policy.config().moe.router_aux_loss_coef > 0) {
    // The balance loss of this micro-batch's forward, weighted by its share of the minibatch's sequences so
    // that the split does not change the minibatch's loss.
    auto aux = policy.auxiliary_loss() * (static_cast<double>(rows.size()) / totals.sequences);
    sums.aux_loss += aux.item<double>();
    total_loss = total_loss + aux;
  }
  total_loss.backward();
  sums.masked_tokens += out.masked_tokens;
  sums.kl += out.kl_sum;
  sums.clip_low += out.clipped_low_sum;
  sums.clip_high += out.clipped_high_sum;
  sums.entropy += (entropy * batch.loss_mask).sum().item<double>();
  sums.entropy_tokens += batch.loss_mask.sum().item<double>();
  sums.tokens_trained += batch.attention_mask.sum().item<int64_t>();
  return loss;
}

// Clips the accumulated gradient and steps the optimiser; returns the norm before clipping.
double clip_and_step(TransformerImpl& policy, torch::optim::Optimizer& optimizer, double max_grad_norm,
                     int64_t step) {
  const double max_norm = max_grad_norm > 0 ? max_grad_norm : std::numeric_limits<double>::infinity();
  const double grad_norm = torch::nn::utils::clip_grad_norm_(policy.parameters(), max_norm);
  if (!std::isfinite(grad_norm)) {
    fail(
        "step {}: the gradient norm is {} (not finite); stopping without writing a checkpoint. Lower "
        "learning_rate",
        step + 1, grad_norm);
  }
  optimizer.step();
  return grad_norm;
}

PolicyUpdateMetrics metrics_from(const UpdateSums& sums) {
  auto per_token = [&](double sum) { return sums.masked_tokens > 0 ? sum / sums.masked_tokens : 0.0; };
  const double steps = static_cast<double>(std::max<int64_t>(1, sums.optimizer_steps));
  PolicyUpdateMetrics metrics;
  metrics.loss = sums.loss / steps;
  metrics.kl = per_token(sums.kl);
  metrics.entropy = sums.entropy_tokens > 0 ? sums.entropy / sums.entropy_tokens : 0.0;
  metrics.clip_low = per_token(sums.clip_low);
  metrics.clip_high = per_token(sums.clip_high);
  metrics.grad_norm = sums.grad_norm / steps;
  metrics.optimizer_steps = sums.optimizer_steps;
  metrics.tokens_trained = sums.tokens_trained;
  if (sums.mismatch_tokens > 0) {
    metrics.rollout_logprob_abs_diff = sums.abs_logprob_diff / sums.mismatch_tokens;
    if (sums.is_weight > 0) {
      metrics.rollout_is_weight = sums.is_weight / sums.mismatch_tokens;
      metrics.rollout_is_capped = sums.is_capped / sums.mismatch_tokens;
    }
  }
  return metrics;
}

uint64_t splitmix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Shuffled with several minibatches; with one, the order changes nothing but the micro-batches: rollout
// order.
std::vector<size_t> pass_order(size_t count, const PolicyUpdateSettings& settings, int64_t step,
                               int64_t pass) {
  if (settings.num_minibatches > 1) return minibatch_order(count, settings.shuffle_seed, step, pass);
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  return order;
}

// One minibatch: its sequences, and the same cut into micro-batches.
struct Minibatch {
  std::vector<size_t> rows;
  std::vector<std::vector<size_t>> micro_batches;
};

// The minibatches of pass `pass`.
std::vector<Minibatch> pass_minibatches(const std::vector<TrainingSequence>& sequences,
                                        const PolicyUpdateSettings& settings, int64_t step, int64_t pass) {
  const auto order = pass_order(sequences.size(), settings, step, pass);
  const size_t count = static_cast<size_t>(settings.num_minibatches);
  std::vector<Minibatch> minibatches(count);
  for (size_t m = 0; m < count; ++m) {
    const size_t first = order.size() * m / count, last = order.size() * (m + 1) / count;
    minibatches[m].rows.assign(order.begin() + first, order.begin() + last);
    minibatches[m].micro_batches =
        split_by_token_budget(sequences, minibatches[m].rows, settings.micro_batch_tokens);
  }
  return minibatches;
}

// An MoE policy whose weights change during the update: the old policy's routing recorded over the first
// pass's micro-batches (in its order, so that the first forward of the update repeats one of them exactly).
void record_old_routing(TransformerImpl& policy, std::vector<TrainingSequence>& sequences,
                        const PolicyUpdateSettings& settings, int64_t step) {
  std::vector<std::vector<size_t>> micro_batches;
  for (const auto& minibatch : pass_minibatches(sequences, settings, step, 0)) {
    micro_batches.insert(micro_batches.end(), minibatch.micro_batches.begin(), minibatch.micro_batches.end());
  }
  record_routing(policy, sequences, micro_batches, settings.temperature, settings.logits_chunk_tokens,
                 /*logprobs_into_old=*/settings.routing_replay);
}

}  // namespace

std::vector<size_t> minibatch_order(size_t count, uint64_t seed, int64_t step, int64_t pass) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step) * 0xD1B54A32D192ED03ull +
                   static_cast<uint64_t>(pass);
  for (size_t i = count; i-- > 1;) std::swap(order[i], order[splitmix64(state) % (i + 1)]);
  return order;
}

nlohmann::json PolicyUpdateMetrics::to_json() const {
  nlohmann::json out = {{"loss", loss},
                        {metric::kKl, kl},
                        {metric::kEntropy, entropy},
                        {metric::kClipLowMean, clip_low},
                        {metric::kClipHighMean, clip_high},
                        {metric::kClipRegionMean, clip_low + clip_high},
                        {metric::kGradNorm, grad_norm},
                        {metric::kTokensTrained, tokens_trained}};
  if (moe.is_object()) out.update(moe);
  if (rollout_logprob_abs_diff >= 0) out[metric::kRolloutLogprobAbsDiff] = rollout_logprob_abs_diff;
  if (rollout_is_weight >= 0) out[metric::kRolloutIsWeight] = rollout_is_weight;
  if (rollout_is_capped >= 0) out[metric::kRolloutIsCapped] = rollout_is_capped;
  return out;
}

PolicyUpdateMetrics update_policy(TransformerImpl& policy, torch::optim::Optimizer& optimizer,
                                  std::vector<TrainingSequence>& sequences,
                                  const PolicyUpdateSettings& settings, int64_t step,
                                  bool use_rollout_logprobs, const MinibatchObserver& observer) {
  const bool moe = policy.config().is_moe();
  if (moe && use_rollout_logprobs) record_old_routing(policy, sequences, settings, step);
  policy.train();
  UpdateSums sums;
  for (int64_t pass = 0; pass < settings.num_iterations; ++pass) {
    const auto minibatches = pass_minibatches(sequences, settings, step, pass);
    for (size_t m = 0; m < minibatches.size(); ++m) {
      const MinibatchTotals totals =
          global_totals(minibatch_totals(sequences, minibatches[m].rows), settings.collectives);
      optimizer.zero_grad();
      double minibatch_loss = 0, max_abs_log_ratio = 0;
      for (const auto& rows : minibatches[m].micro_batches) {
        minibatch_loss += micro_batch_step(policy, sequences, rows, settings, totals, step,
                                           use_rollout_logprobs, pass == 0, sums, max_abs_log_ratio);
      }
      if (settings.collectives != nullptr) {
        sum_gradients(policy, settings.collectives);
        std::vector<double> loss{minibatch_loss};
        settings.collectives->all_reduce_sum(loss);
        minibatch_loss = loss[0];
      }
      if (observer) {
        observer({pass, static_cast<int64_t>(m), &minibatches[m].rows, minibatch_loss, max_abs_log_ratio});
      }
      sums.grad_norm += clip_and_step(policy, optimizer, settings.max_grad_norm, step);
      if (moe) {
        sum_expert_load(policy, settings.collectives);  // every rank's biases take the same step
        policy.update_balancing_biases(settings.bias_update_speed);
      }
      sums.loss += minibatch_loss;
      ++sums.optimizer_steps;
    }
  }
  optimizer.zero_grad();
  policy.eval();
  sum_metrics(sums, settings.collectives);
  PolicyUpdateMetrics metrics = metrics_from(sums);
  if (moe) {
    const bool aux = policy.config().moe.router_aux_loss_coef > 0;
    metrics.moe = moe_update_metrics(
        policy, aux ? sums.aux_loss / static_cast<double>(std::max<int64_t>(1, sums.optimizer_steps)) : -1.0);
  }
  return metrics;
}

void compute_completion_logprobs(TransformerImpl& model, std::vector<TrainingSequence>& sequences,
                                 int64_t micro_batch_tokens, double temperature,
                                 std::vector<float> TrainingSequence::*field, int64_t logits_chunk_tokens,
                                 torch::Dtype compute_dtype) {
  c10::InferenceMode inference;
  const MixedPrecisionScope precision(model.device(), compute_dtype, /*cache_weights=*/true);
  std::vector<size_t> rows(sequences.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  for (const auto& micro_rows : split_by_token_budget(sequences, rows, micro_batch_tokens)) {
    MicroBatch batch = make_micro_batch(sequences, micro_rows, model.device());
    auto hidden = model.hidden_states(batch.input_ids, batch.positions, batch.attention_mask);  // [b, L, D]
    auto logprobs =
        token_logprobs(model, hidden, batch.targets, batch.completion_positions, temperature, nullptr,
                       logits_chunk_tokens);  // [b, L]
    gather_completion_values(sequences, batch, logprobs, field);
  }
}

}  // namespace grpo
