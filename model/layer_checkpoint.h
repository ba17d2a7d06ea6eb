// Gradient checkpointing of one decoder layer (`--gradient-checkpointing`, Hugging Face's
// gradient_checkpointing_enable): the forward pass keeps only the layer's input; the backward pass runs the
// layer again under autograd and differentiates that. Activation memory falls from every layer's
// intermediate tensors to one layer's plus each layer's input, for about a third more compute.
#pragma once

#include <torch/types.h>

namespace grpo {

class DecoderLayerImpl;

// What DecoderLayerImpl::forward(x, cos, sin, mask, nullptr, layer_index, token_mask) returns, with the
// same gradients for x and the layer's parameters, but with nothing of the layer kept for the backward pass
// except its input. x [B, T, D]; cos/sin [B, 1, T, hd]; mask [B or 1, 1, T, S] bool; token_mask [B, T] bool
// or undefined. A sparse (MoE) layer counts its load and statistics once (the recomputation leaves them as
// the forward did) and is recomputed with the forward's routing reference (routing replay), and its
// auxiliary_loss is an output of the checkpoint, so that its gradient reaches the router too. Random draws
// inside the layer (LoRA dropout) repeat in the recomputation: the CPU generator's state is saved and
// restored around it.
torch::Tensor checkpointed_layer_forward(DecoderLayerImpl& layer, const torch::Tensor& x,
                                         const torch::Tensor& cos, const torch::Tensor& sin,
                                         const torch::Tensor& mask, int64_t layer_index,
                                         const torch::Tensor& token_mask);

}  // namespace grpo
