// The tensors of one supervised step and the loss on them. Unpacked: one example per row, right-padded.
// Packed: several examples side by side in a row of at most `capacity` positions, each with its own segment
// id and positions restarting at 0, so that attention stays inside each example (TRL's packing with
// position ids; best-fit decreasing, as TRL's "bfd").
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "model/transformer.h"
#include "trainer/sft_examples.h"

namespace grpo {

struct SftBatch {
  torch::Tensor input_ids;       // [B, T] int64: tokens 0..n-2 of each example
  torch::Tensor targets;         // [B, T] int64: tokens 1..n-1 (the next token)
  torch::Tensor loss_mask;       // [B, T] bool: targets that are trained
  torch::Tensor positions;       // [B, T] int64: from 0 in each example
  torch::Tensor segment_ids;     // packed: [B, T] int64 (one per example in a row, -1 for padding); else
                                 // undefined
  torch::Tensor attention_mask;  // unpacked: [B, T] bool (true = a real token); else undefined
  int64_t trained_tokens = 0;
  int64_t tokens = 0;  // real input positions
};

// Rows of example indices, each row's lengths summing to at most `capacity`: longest first, each into the
// row with the least room that fits it. A length above capacity is an error.
std::vector<std::vector<size_t>> pack_by_length(const std::vector<int64_t>& lengths, int64_t capacity);

// One example per row, right-padded.
SftBatch unpacked_batch(const std::vector<const SftExample*>& examples);
// Each row holds its examples side by side, padded to the longest row.
SftBatch packed_batch(const std::vector<std::vector<const SftExample*>>& rows);

struct SftLoss {
  torch::Tensor loss;     // scalar: mean negative log-likelihood of the trained targets
  torch::Tensor nll_sum;  // scalar: their sum (no gradient)
  int64_t tokens = 0;     // trained targets
};
SftLoss sft_loss(TransformerImpl& model, const SftBatch& batch);

}  // namespace grpo
