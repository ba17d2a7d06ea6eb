// The tensors a ModelConfig implies, by their Hugging Face names and shapes, computed from the configuration
// alone: loading checks a checkpoint's header against them before allocating the model, and the parameter
// count is their sum. Must agree with what Transformer registers (tests check that it does for every
// flavour).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/config.h"

namespace grpo {

using TensorShape = std::vector<int64_t>;
using NamedShapes = std::vector<std::pair<std::string, TensorShape>>;

// Tensors outside the layers: model.embed_tokens.weight, model.norm.weight, lm_head.weight (unless tied).
NamedShapes global_tensor_shapes(const ModelConfig& config);
// Tensors of decoder layer `layer`, named relative to "model.layers.N." ("self_attn.q_proj.weight", ...): the
// dense MLP, or on sparse layers of an MoE model the router, the experts and the shared expert(s).
NamedShapes layer_tensor_shapes(const ModelConfig& config, int64_t layer);
// The same for any layer of one kind: sparse (an MoE layer) or dense.
NamedShapes layer_shapes_of_kind(const ModelConfig& config, bool sparse);
// How many tensors the config implies in all (saturating).
int64_t expected_tensor_count(const ModelConfig& config);
// The shape `config` implies for a checkpoint tensor `name`; nullopt when the model has no such tensor.
std::optional<TensorShape> expected_tensor_shape(const ModelConfig& config, const std::string& name);
// Every expected name in order (globals, then layer 0, 1, ...), calling `visit(name, shape)` until it returns
// false: a config with absurdly many layers is never enumerated whole.
template <typename Visit>
void for_each_expected_tensor(const ModelConfig& config, Visit visit) {
  for (const auto& [name, shape] : global_tensor_shapes(config)) {
    if (!visit(name, shape)) return;
  }
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    const std::string prefix = "model.layers." + std::to_string(i) + ".";
    for (const auto& [name, shape] : layer_tensor_shapes(config, i)) {
      if (!visit(prefix + name, shape)) return;
    }
  }
}

// a * b and a + b, saturating at INT64_MAX for non-negative operands (sizes that overflow are reported, not
// wrapped into negative counts).
int64_t saturating_multiply(int64_t a, int64_t b);
int64_t saturating_add(int64_t a, int64_t b);
// The number of elements of `shape`, saturating.
int64_t element_count(const TensorShape& shape);

}  // namespace grpo
