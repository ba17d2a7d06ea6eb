// AdamW over a model's trainable parameters (requires_grad: all of them, or the LoRA adapters) in two
// groups: weight decay on matrices and embeddings, none on norms and biases.
#pragma once

#include <torch/optim/adamw.h>

#include <memory>

#include "model/transformer.h"

namespace grpo {

struct AdamWSettings {
  double learning_rate = 1e-6;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

std::unique_ptr<torch::optim::AdamW> make_adamw(TransformerImpl& model, const AdamWSettings& settings);

// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::AdamW& optimizer, double learning_rate);

}  // namespace grpo
