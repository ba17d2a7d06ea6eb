// Mixture-of-experts policies in the update: the old policy's routing recorded before the update (to replay
// it, R2 "routing replay" as slime's --use-routing-replay, or only to measure how much the update's routing
// moved from it), and the step's routing metrics (expert load per layer, router entropy, routing changed,
// balancing bias, balance loss). There is no capacity limit: no token is ever dropped.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "model/transformer.h"
#include "trainer/training_batch.h"

namespace grpo {

// A forward without backward of `model` over `micro_batches` (rows of `sequences`) recording every sparse
// block's experts into each sequence's routed_experts [S, n - 1, k]; with `logprobs_into_old`, also stores
// the forward's completion log-probs (at `temperature`) as old_logprobs, so that the update's first forward
// over the same micro-batch with the same routing gives ratio 1.
void record_routing(TransformerImpl& model, std::vector<TrainingSequence>& sequences,
                    const std::vector<std::vector<size_t>>& micro_batches, double temperature,
                    int64_t logits_chunk_tokens, bool logprobs_into_old);

// The recorded routing of the batch's rows as one [S, b * L, k] int64 tensor in the batch's token order
// (padding positions get experts 0 .. k-1); undefined when the rows have none recorded.
torch::Tensor routing_of(const std::vector<TrainingSequence>& sequences, const MicroBatch& batch);

// The metrics.jsonl keys of the routing since the last call (see docs/LOGS.md), read from the sparse blocks'
// statistics, which are then cleared; aux_loss_mean < 0: no balance loss in use. Empty for a dense model.
nlohmann::json moe_update_metrics(TransformerImpl& model, double aux_loss_mean);

}  // namespace grpo
