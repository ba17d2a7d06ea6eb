// Mixed precision (`--bf16`): inside a MixedPrecisionScope, LibTorch's autocast runs the matrix products
// (linear layers, attention products, the LM head) in bfloat16 while the parameters stay float32 (the
// master weights the optimiser updates). What the model computes in float32 whatever the scope: RMSNorm's
// statistics, the attention softmax, the rotary tables, and token_logprobs' log-softmax, entropy and
// everything after (the logits chunk is cast to float32). The rollout's KV cache is allocated in the compute
// dtype (Transformer::make_cache).
//
// Autocast's state is per thread and is not seen by backward passes that run outside the scope: the model's
// own autograd functions (layer checkpoints, chunked log-probs) record active_compute_dtype() in their
// forward and re-enter a scope in their backward, as PyTorch's custom_bwd does.
#pragma once

#include <torch/types.h>

namespace grpo {

class MixedPrecisionScope {
 public:
  // compute_dtype: torch::kBFloat16 (or kFloat16) turns autocast on for device's type; kFloat32 leaves
  // everything as it is. cache_weights: keep each float32 weight's low-precision copy for the whole scope
  // (autocast's cache: right for inference, where the same weights serve many forwards; off for training
  // forwards, whose parameters change at every optimiser step).
  MixedPrecisionScope(torch::Device device, torch::Dtype compute_dtype, bool cache_weights);
  ~MixedPrecisionScope();
  MixedPrecisionScope(const MixedPrecisionScope&) = delete;
  MixedPrecisionScope& operator=(const MixedPrecisionScope&) = delete;

 private:
  bool active_ = false;
  torch::DeviceType device_type_;
  bool previous_enabled_ = false;
  torch::Dtype previous_dtype_ = torch::kBFloat16;
  bool previous_cache_ = true;
};

// The compute dtype of the scope in force on `device`, kFloat32 when none: what a backward pass gives a
// MixedPrecisionScope to run as its forward did.
torch::Dtype mixed_precision_dtype(torch::Device device);

// The dtype matrix products run in on `device` right now: the scope's when one is in force, else
// `parameter_dtype`.
torch::Dtype active_compute_dtype(torch::Device device, torch::Dtype parameter_dtype);

}  // namespace grpo
