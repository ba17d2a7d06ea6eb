// Copying a model's weights into another of the same architecture.
#pragma once

#include "model/transformer.h"

namespace grpo {

// Copies every parameter (and buffer: the MoE balancing biases) of `source` into the same-named one of
// `target`, without gradient tracking:
// resuming from a checkpoint, resetting a reference model to the policy. Throws naming a parameter `source`
// lacks.
void copy_parameters(const TransformerImpl& source, TransformerImpl& target);

}  // namespace grpo
