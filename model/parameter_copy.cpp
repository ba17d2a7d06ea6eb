#include "model/parameter_copy.h"

#include <torch/torch.h>

#include "core/error.h"

namespace grpo {

void copy_parameters(const TransformerImpl& source, TransformerImpl& target) {
  torch::NoGradGuard no_grad;
  const auto from = source.named_parameters();
  for (auto& item : target.named_parameters()) {
    const torch::Tensor* value = from.find(item.key());
    if (value == nullptr) fail("copy_parameters: the source model has no parameter '{}'", item.key());
    item.value().copy_(*value);
  }
  // The MoE balancing biases: state of the routing, though not trained by gradients.
  const auto from_buffers = source.named_buffers();
  for (auto& item : target.named_buffers()) {
    const torch::Tensor* value = from_buffers.find(item.key());
    if (value == nullptr) fail("copy_parameters: the source model has no buffer '{}'", item.key());
    item.value().copy_(*value);
  }
}

}  // namespace grpo
