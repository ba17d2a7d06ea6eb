// Token-level distillation loss: the generalised Jensen-Shannon divergence between the teacher's and the
// student's next-token distributions over the whole vocabulary, as TRL's GKD (generalized_jsd_loss):
//   beta = 0: forward KL(teacher || student) = sum_v q (log q - log p)
//   beta = 1: reverse KL(student || teacher) = sum_v p (log p - log q)
//   else:     beta KL(teacher || m) + (1 - beta) KL(student || m), m = beta q + (1 - beta) p
// with p = softmax(student logits), q = softmax(teacher logits).
//
// The [rows, V] logits of both models are computed one chunk of rows at a time in the forward AND the
// backward pass (like token_logprobs): the autograd function keeps only the hidden states and the heads'
// weights; its backward recomputes a chunk's distributions and applies the analytic gradient
// d D / d z = h - p sum(h), h = p * dD/dp (z: the student's logits).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "model/transformer.h"

namespace grpo {

// Per row, the divergence between the distributions of the two heads; differentiable with respect to the
// student's hidden states and weight (the teacher's get no gradient).
//   student_hidden [N, Ds], student_weight [V, Ds], teacher_hidden [N, Dt], teacher_weight [V, Dt]
// Returns [N] float32.
torch::Tensor generalized_jsd_rows(const torch::Tensor& student_hidden, const torch::Tensor& student_weight,
                                   const torch::Tensor& teacher_hidden, const torch::Tensor& teacher_weight,
                                   double beta, int64_t chunk_tokens = 1024);

// The mean over the positions where `mask` is true of the divergence between the two models' next-token
// distributions (TRL's reduction: the sum over trained tokens divided by their count).
//   student_hidden [B, T, Ds], teacher_hidden [B, T, Dt] (from hidden_states() on the same tokens);
//   mask [B, T] bool. The vocabularies must be the same (the caller checks the tokenizers).
torch::Tensor distillation_loss(TransformerImpl& student, const torch::Tensor& student_hidden,
                                TransformerImpl& teacher, const torch::Tensor& teacher_hidden,
                                const torch::Tensor& mask, double beta, int64_t chunk_tokens = 1024);

// The head's weight [V, D] of a model (the embedding when tied).
const torch::Tensor& output_head_weight(TransformerImpl& model);

}  // namespace grpo
