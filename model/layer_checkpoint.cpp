#include "model/layer_checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "model/mixed_precision.h"
#include "model/transformer.h"

namespace grpo {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The layer's parameters that take gradients (all of them, or only the LoRA adapters), in registration
// order: the checkpoint's differentiable inputs after x.
std::vector<torch::Tensor> trainable_parameters(DecoderLayerImpl& layer) {
  std::vector<torch::Tensor> parameters;
  for (const auto& parameter : layer.parameters()) {
    if (parameter.requires_grad()) parameters.push_back(parameter);
  }
  return parameters;
}

// The CPU generator's state (what dropout draws from), to replay the forward's draws in the recomputation.
torch::Tensor cpu_generator_state() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_cpu_generator_state(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// The layer's inputs that take no gradient (token_mask may be undefined, which autograd's inputs may not be).
struct FixedInputs {
  const torch::Tensor& cos;
  const torch::Tensor& sin;
  const torch::Tensor& mask;
  const torch::Tensor& token_mask;
};

class LayerCheckpoint : public torch::autograd::Function<LayerCheckpoint> {
 public:
  // Differentiable inputs: x and `parameters` (the layer's trainable ones). Returns {out [B, T, D], the
  // sparse block's auxiliary loss (a scalar; 0 for a dense layer or without one)}.
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& x, at::TensorList parameters,
                               DecoderLayerImpl* layer, int64_t layer_index, const FixedInputs* fixed) {
    const auto& cos = fixed->cos;
    const auto& sin = fixed->sin;
    const auto& mask = fixed->mask;
    const auto& token_mask = fixed->token_mask;
    (void)parameters;  // inputs only so that autograd routes their gradients through backward()
    ctx->save_for_backward({x});
    ctx->saved_data["layer"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(layer));
    ctx->saved_data["layer_index"] = layer_index;
    ctx->saved_data["cos"] = cos;
    ctx->saved_data["sin"] = sin;
    ctx->saved_data["mask"] = mask;
    ctx->saved_data["token_mask"] = token_mask;
    ctx->saved_data["has_token_mask"] = token_mask.defined();
    if (layer->is_training()) ctx->saved_data["rng"] = cpu_generator_state();
    // The recomputation runs in the forward's precision (mixed_precision.h).
    ctx->saved_data["compute_dtype"] = static_cast<int64_t>(mixed_precision_dtype(x.device()));
    // Autograd is off here (Function::apply): nothing of the layer is kept. The sparse block only counts
    // load and computes its balance loss in grad mode, so that part is asked for explicitly.
    auto block = layer->moe;
    if (block) {
      block->record_without_grad = true;
      // The recomputation must route as this forward did: replayed experts are set only around it.
      ctx->saved_data["replay_reference"] = block->replay_reference;
      ctx->saved_data["has_reference_experts"] = block->reference_experts.defined();
      if (block->reference_experts.defined()) ctx->saved_data["reference_experts"] = block->reference_experts;
    }
    auto out = layer->forward(x, cos, sin, mask, nullptr, layer_index, token_mask);  // [B, T, D]
    torch::Tensor auxiliary;
    if (block) {
      block->record_without_grad = false;
      auxiliary = block->auxiliary_loss;
    }
    if (!auxiliary.defined()) auxiliary = torch::zeros({}, x.options().dtype(torch::kFloat32));
    return {out, auxiliary};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto* layer =
        reinterpret_cast<DecoderLayerImpl*>(static_cast<intptr_t>(ctx->saved_data["layer"].toInt()));
    const auto token_mask = ctx->saved_data["has_token_mask"].toBool()
                                ? ctx->saved_data["token_mask"].toTensor()
                                : torch::Tensor();
    auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);  // [B, T, D]
    const auto parameters = trainable_parameters(*layer);

    torch::Tensor out, auxiliary;
    {
      torch::AutoGradMode grad_mode(true);
      const MixedPrecisionScope precision(
          x.device(), static_cast<torch::Dtype>(ctx->saved_data["compute_dtype"].toInt()), false);
      torch::Tensor rng_after;
      if (ctx->saved_data.count("rng") != 0) {
        rng_after = cpu_generator_state();
        set_cpu_generator_state(ctx->saved_data["rng"].toTensor());
      }
      // The recomputation must leave the sparse block's bookkeeping as the forward left it.
      // and with the forward's routing reference.
      auto block = layer->moe;
      torch::Tensor load_before, auxiliary_before, reference_before;
      RoutingStatistics statistics_before;
      bool replay_before = false;
      if (block) {
        load_before = block->observed_load;
        auxiliary_before = block->auxiliary_loss;
        statistics_before = block->statistics;
        reference_before = block->reference_experts;
        replay_before = block->replay_reference;
        block->replay_reference = ctx->saved_data["replay_reference"].toBool();
        block->reference_experts = ctx->saved_data["has_reference_experts"].toBool()
                                       ? ctx->saved_data["reference_experts"].toTensor()
                                       : torch::Tensor();
      }
      out = layer->forward(x, ctx->saved_data["cos"].toTensor(), ctx->saved_data["sin"].toTensor(),
                           ctx->saved_data["mask"].toTensor(), nullptr,
                           ctx->saved_data["layer_index"].toInt(), token_mask);
      if (block) {
        auxiliary = block->auxiliary_loss;
        block->observed_load = load_before;
        block->auxiliary_loss = auxiliary_before;
        block->statistics = statistics_before;
        block->reference_experts = reference_before;
        block->replay_reference = replay_before;
      }
      if (rng_after.defined()) set_cpu_generator_state(rng_after);
    }

    variable_list outputs{out}, output_grads{grad_outputs[0]};
    if (auxiliary.defined() && auxiliary.requires_grad() && grad_outputs[1].defined()) {
      outputs.push_back(auxiliary);
      output_grads.push_back(grad_outputs[1]);
    }
    variable_list inputs{x};
    inputs.insert(inputs.end(), parameters.begin(), parameters.end());
    auto grads = torch::autograd::grad(outputs, inputs, output_grads, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
    // One entry per forward argument: x, each parameter, then the non-differentiable ones.
    grads.resize(grads.size() + 3);
    return grads;
  }
};

}  // namespace

torch::Tensor checkpointed_layer_forward(DecoderLayerImpl& layer, const torch::Tensor& x,
                                         const torch::Tensor& cos, const torch::Tensor& sin,
                                         const torch::Tensor& mask, int64_t layer_index,
                                         const torch::Tensor& token_mask) {
  const auto parameters = trainable_parameters(layer);
  const FixedInputs fixed{cos, sin, mask, token_mask};
  auto outputs = LayerCheckpoint::apply(x, at::TensorList(parameters), &layer, layer_index, &fixed);
  // The sparse block's loss, now with a path back through the checkpoint, for
  // TransformerImpl::auxiliary_loss.
  if (layer.moe && layer.moe->auxiliary_loss.defined()) layer.moe->auxiliary_loss = outputs[1];
  return outputs[0];  // [B, T, D]
}

}  // namespace grpo
