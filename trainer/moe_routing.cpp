#include "trainer/moe_routing.h"

#include <torch/torch.h>

#include "logs/metric_names.h"

namespace grpo {

namespace metric = logs::metric;

void record_routing(TransformerImpl& model, std::vector<TrainingSequence>& sequences,
                    const std::vector<std::vector<size_t>>& micro_batches, double temperature,
                    int64_t logits_chunk_tokens, bool logprobs_into_old) {
  // In grad mode, as the update's forwards, for the same numbers: LibTorch's matmul takes another path when
  // its input requires grad (float32 results differed by ~5e-7). Each micro-batch's graph is dropped at once.
  torch::AutoGradMode grad_mode(true);
  model.set_routing_recording(true);
  for (const auto& rows : micro_batches) {
    MicroBatch batch = make_micro_batch(sequences, rows, model.device());
    auto hidden = model.hidden_states(batch.input_ids, batch.positions, batch.attention_mask);  // [b, L, D]
    if (logprobs_into_old) {
      auto logprobs = token_logprobs(model, hidden, batch.targets, batch.completion_positions, temperature,
                                     nullptr, logits_chunk_tokens);  // [b, L]
      gather_completion_values(sequences, batch, logprobs, &TrainingSequence::old_logprobs);
    }
    const int64_t b = batch.input_ids.size(0), width = batch.input_ids.size(1);
    auto routing = model.recorded_routing().to(torch::kCPU);  // [S, b * L, k]
    routing = routing.view({routing.size(0), b, width, routing.size(2)});
    for (int64_t i = 0; i < b; ++i) {
      auto& sequence = sequences[rows[static_cast<size_t>(i)]];
      const auto length =
          static_cast<int64_t>(sequence.prompt_ids.size() + sequence.completion_ids.size()) - 1;
      sequence.routed_experts = routing.select(1, i).narrow(1, 0, length).clone();  // [S, n - 1, k]
    }
  }
  model.set_routing_recording(false);
}

torch::Tensor routing_of(const std::vector<TrainingSequence>& sequences, const MicroBatch& batch) {
  const auto& first = sequences[batch.rows.front()].routed_experts;
  if (!first.defined()) return {};
  const int64_t layers = first.size(0), top_k = first.size(2);
  const int64_t b = batch.input_ids.size(0), width = batch.input_ids.size(1);
  auto routing = torch::arange(top_k, torch::kLong).expand({layers, b, width, top_k}).contiguous();
  for (int64_t i = 0; i < b; ++i) {
    const auto& rows = sequences[batch.rows[static_cast<size_t>(i)]].routed_experts;  // [S, n - 1, k]
    routing.select(1, i).narrow(1, 0, rows.size(1)).copy_(rows);
  }
  return routing.view({layers, b * width, top_k}).to(batch.input_ids.device());  // [S, b * L, k]
}

nlohmann::json moe_update_metrics(TransformerImpl& model, double aux_loss_mean) {
  nlohmann::json metrics = nlohmann::json::object();
  auto blocks = model.sparse_blocks();
  if (blocks.empty()) return metrics;
  std::vector<int64_t> layer_of;
  for (int64_t layer = 0; layer < model.config().num_hidden_layers; ++layer) {
    if (model.config().is_sparse_layer(layer)) layer_of.push_back(layer);
  }
  double ratio_sum = 0, entropy_sum = 0, tokens = 0, compared = 0, changed = 0, own_changed = 0;
  double bias_sum = 0, bias_count = 0;
  int64_t measured_layers = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    RoutingStatistics& stats = blocks[i]->statistics;
    if (stats.load.defined() && stats.load.sum().item<double>() > 0) {
      const double ratio = (stats.load.max() / stats.load.mean()).item<double>();
      metrics[metric::moe_load_ratio(layer_of[i])] = ratio;
      ratio_sum += ratio;
      ++measured_layers;
    }
    entropy_sum += stats.entropy_sum;
    tokens += stats.tokens;
    compared += stats.compared;
    changed += stats.changed;
    own_changed += stats.own_changed;
    if (blocks[i]->balancing_bias.defined()) {
      bias_sum += blocks[i]->balancing_bias.abs().sum().item<double>();
      bias_count += static_cast<double>(blocks[i]->balancing_bias.numel());
    }
    stats = RoutingStatistics();
  }
  if (measured_layers > 0) metrics[metric::kMoeLoadRatio] = ratio_sum / static_cast<double>(measured_layers);
  if (tokens > 0) metrics[metric::kMoeRouterEntropy] = entropy_sum / tokens;
  // Nothing compared: the update's forwards ran on the sampling policy's weights (mu = 1, one minibatch),
  // so every token's experts are the old policy's.
  metrics[metric::kMoeRoutingChanged] = compared > 0 ? changed / compared : 0.0;
  metrics[metric::kMoeRoutingChangedOwn] = compared > 0 ? own_changed / compared : 0.0;
  if (bias_count > 0) metrics[metric::kMoeBiasAbsMean] = bias_sum / bias_count;
  if (aux_loss_mean >= 0) metrics[metric::kMoeAuxLoss] = aux_loss_mean;
  return metrics;
}

}  // namespace grpo
