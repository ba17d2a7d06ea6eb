#include "trainer/optimizer.h"

#include <string>
#include <vector>

#include "core/strings.h"

namespace grpo {

namespace {
bool is_norm_or_bias(const std::string& name) {
  return ends_with(name, ".bias") || name.find("norm") != std::string::npos;
}
}  // namespace

std::unique_ptr<torch::optim::AdamW> make_adamw(TransformerImpl& model, const AdamWSettings& settings) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : model.named_parameters()) {
    if (!item.value().requires_grad()) continue;  // frozen (LoRA trains the adapters only)
    (is_norm_or_bias(item.key()) ? no_decay : decay).push_back(item.value());
  }
  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(settings.learning_rate)
                                                            .betas({settings.beta1, settings.beta2})
                                                            .eps(settings.eps)
                                                            .weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(settings.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  return std::make_unique<torch::optim::AdamW>(std::move(groups));
}

void set_learning_rate(torch::optim::AdamW& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate);
  }
}

}  // namespace grpo
