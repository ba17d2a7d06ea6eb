#include "model/lora.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "model/model_dir.h"
#include "model/transformer.h"

namespace grpo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string>& projection_names() {
  static const std::vector<std::string> names{"q_proj",  "k_proj",    "v_proj", "o_proj", "gate_proj",
                                              "up_proj", "down_proj", "w1",     "w2",     "w3"};
  return names;
}

const std::string kPeftPrefix = "base_model.model.";
const std::string kConfigFile = "adapter_config.json";
const std::string kWeightsFile = "adapter_model.safetensors";

std::string last_component(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Every LoraLinear of the model with its full name (model.layers.0.self_attn.q_proj).
std::vector<std::pair<std::string, LoraLinearImpl*>> lora_linears(TransformerImpl& model) {
  std::vector<std::pair<std::string, LoraLinearImpl*>> found;
  for (const auto& item : model.named_modules()) {
    if (auto* linear = item.value()->as<LoraLinearImpl>()) found.emplace_back(item.key(), linear);
  }
  return found;
}

}  // namespace

// ---------------------------------------------------------------- LoraLinear

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  auto y = torch::nn::functional::linear(x, weight, bias);  // [..., out]
  if (!has_adapter() || !adapter_enabled) return y;
  auto input = dropout > 0 && is_training() ? torch::dropout(x, dropout, /*train=*/true) : x;
  return y + lora_B(lora_A(input)) * scaling;
}

void LoraLinearImpl::add_adapter(int64_t r, double alpha, double dropout_probability) {
  const int64_t in = weight.size(1), out = weight.size(0);
  lora_A = register_module("lora_A", torch::nn::Linear(torch::nn::LinearOptions(in, r).bias(false)));
  lora_B = register_module("lora_B", torch::nn::Linear(torch::nn::LinearOptions(r, out).bias(false)));
  lora_A->to(weight.device(), weight.scalar_type());
  lora_B->to(weight.device(), weight.scalar_type());
  torch::NoGradGuard no_grad;
  lora_B->weight.zero_();
  scaling = alpha / static_cast<double>(r);
  dropout = dropout_probability;
}

torch::Tensor LoraLinearImpl::adapter_delta() const {
  return torch::matmul(lora_B->weight, lora_A->weight) * scaling;  // [out, r] x [r, in]
}

// ---------------------------------------------------------------- settings

void LoraSettings::validate() const {
  if (r < 0) fail("--lora-r must be >= 0 (0 = no LoRA), got {}", r);
  if (r == 0) return;
  if (!(alpha > 0)) fail("--lora-alpha must be > 0, got {}", alpha);
  if (!(dropout >= 0 && dropout < 1)) fail("--lora-dropout must be in [0, 1), got {}", dropout);
  expand_lora_targets(target_modules);
}

std::vector<std::string> expand_lora_targets(const std::vector<std::string>& targets) {
  std::vector<std::string> expanded;
  for (const auto& target : targets) {
    if (target == "all-linear") {
      for (const auto& name : projection_names()) expanded.push_back(name);
      continue;
    }
    if (std::find(projection_names().begin(), projection_names().end(), target) == projection_names().end()) {
      fail(
          "--lora-target-modules: unknown module '{}'; use q_proj, k_proj, v_proj, o_proj, gate_proj, "
          "up_proj, "
          "down_proj (w1, w2, w3 for Mixtral's experts) or all-linear",
          target);
    }
    expanded.push_back(target);
  }
  if (expanded.empty()) fail("--lora-target-modules: no module named");
  std::sort(expanded.begin(), expanded.end());
  expanded.erase(std::unique(expanded.begin(), expanded.end()), expanded.end());
  return expanded;
}

// ---------------------------------------------------------------- the model

int64_t add_lora_adapters(TransformerImpl& model, const LoraSettings& settings, uint64_t seed) {
  settings.validate();
  if (!settings.enabled()) return 0;
  const auto targets = expand_lora_targets(settings.target_modules);
  const std::set<std::string> wanted(targets.begin(), targets.end());
  for (auto& parameter : model.parameters()) parameter.set_requires_grad(false);
  auto generator = at::detail::createCPUGenerator(seed);
  int64_t count = 0;
  for (auto& [name, linear] : lora_linears(model)) {
    if (wanted.count(last_component(name)) == 0) continue;
    if (linear->has_adapter()) fail("add_lora_adapters: '{}' already has an adapter", name);
    linear->add_adapter(settings.r, settings.alpha, settings.dropout);
    // PEFT: kaiming_uniform_(A, a=sqrt(5)), i.e. uniform(-1/sqrt(in), 1/sqrt(in)).
    torch::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
    auto a = torch::empty(linear->lora_A->weight.sizes(), torch::kFloat32).uniform_(-bound, bound, generator);
    linear->lora_A->weight.copy_(a);
    ++count;
  }
  if (count == 0) {
    fail("--lora-target-modules {}: no projection of this model has that name", fmt::join(targets, ","));
  }
  return count;
}

bool is_lora_parameter(const std::string& name) {
  return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos;
}

bool has_lora_adapters(TransformerImpl& model) {
  for (const auto& [name, linear] : lora_linears(model)) {
    if (linear->has_adapter()) return true;
  }
  return false;
}

void set_lora_enabled(TransformerImpl& model, bool enabled) {
  for (auto& [name, linear] : lora_linears(model)) linear->adapter_enabled = enabled;
}

LoraDisabledScope::LoraDisabledScope(TransformerImpl& model)
    : model_(model), had_adapters_(has_lora_adapters(model)) {
  if (had_adapters_) set_lora_enabled(model_, false);
}

LoraDisabledScope::~LoraDisabledScope() {
  if (had_adapters_) set_lora_enabled(model_, true);
}

TensorMap merged_model_state(TransformerImpl& model) {
  torch::NoGradGuard no_grad;
  TensorMap state = model_state(model);
  for (const auto& [name, linear] : lora_linears(model)) {
    if (!linear->has_adapter()) continue;
    auto& weight = state.at(name + ".weight");
    weight = weight + linear->adapter_delta().to(weight.scalar_type());
  }
  return state;
}

TensorMap lora_state(TransformerImpl& model) {
  TensorMap state;
  for (const auto& item : model.named_parameters()) {
    if (is_lora_parameter(item.key())) state.emplace(kPeftPrefix + item.key(), item.value());
  }
  return state;
}

// ---------------------------------------------------------------- PEFT files

void save_lora_adapter(TransformerImpl& model, const fs::path& directory, const std::string& base_model) {
  std::set<std::string> targets;
  int64_t r = 0;
  double scaling = 0, dropout = 0;
  for (const auto& [name, linear] : lora_linears(model)) {
    if (!linear->has_adapter()) continue;
    targets.insert(last_component(name));
    r = linear->lora_A->weight.size(0);
    scaling = linear->scaling;
    dropout = linear->dropout;
  }
  if (targets.empty()) fail("save_lora_adapter: the model has no LoRA adapter to save");
  // PEFT's LoraConfig as save_pretrained writes it (the keys PEFT reads back; the rest at their defaults).
  const json config = {{"alpha_pattern", json::object()},
                       {"auto_mapping", nullptr},
                       {"base_model_name_or_path", base_model},
                       {"bias", "none"},
                       {"fan_in_fan_out", false},
                       {"inference_mode", true},
                       {"init_lora_weights", true},
                       {"layers_pattern", nullptr},
                       {"layers_to_transform", nullptr},
                       {"lora_alpha", scaling * static_cast<double>(r)},
                       {"lora_dropout", dropout},
                       {"modules_to_save", nullptr},
                       {"peft_type", "LORA"},
                       {"r", r},
                       {"rank_pattern", json::object()},
                       {"revision", nullptr},
                       {"target_modules", std::vector<std::string>(targets.begin(), targets.end())},
                       {"task_type", "CAUSAL_LM"},
                       {"use_dora", false},
                       {"use_rslora", false}};
  fs::create_directories(directory);
  TensorMap tensors;
  for (const auto& [name, tensor] : lora_state(model))
    tensors.emplace(name, tensor.detach().to(torch::kFloat32));
  write_safetensors(directory / kWeightsFile, tensors);
  write_file_atomically(directory / kConfigFile, config.dump(2) + "\n");
}

LoraSettings read_lora_config(const fs::path& directory) {
  const fs::path path = directory / kConfigFile;
  if (!fs::exists(path)) fail("'{}' does not exist: not a PEFT adapter directory", path.string());
  json config;
  try {
    config = json::parse(read_file(path));
  } catch (const json::exception& e) {
    fail("'{}': not valid JSON ({})", path.string(), e.what());
  }
  if (config.value("peft_type", std::string()) != "LORA")
    fail("'{}': peft_type is not \"LORA\"; only LoRA adapters are supported", path.string());
  if (config.value("use_dora", false) || config.value("use_rslora", false))
    fail("'{}': use_dora / use_rslora adapters are not supported", path.string());
  LoraSettings settings;
  try {
    settings.r = config.at("r").get<int64_t>();
    settings.alpha = config.at("lora_alpha").get<double>();
    settings.dropout = config.value("lora_dropout", 0.0);
    const auto& targets = config.at("target_modules");
    settings.target_modules = targets.is_string() ? std::vector<std::string>{targets.get<std::string>()}
                                                  : targets.get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    fail("'{}': missing or malformed r / lora_alpha / target_modules ({})", path.string(), e.what());
  }
  if (settings.r <= 0) fail("'{}': r must be > 0, got {}", path.string(), settings.r);
  settings.validate();
  return settings;
}

void load_lora_weights(TransformerImpl& model, const fs::path& directory) {
  const fs::path path = directory / kWeightsFile;
  const TensorMap stored = read_safetensors(path).tensors;
  torch::NoGradGuard no_grad;
  size_t used = 0;
  for (auto& [name, parameter] : lora_state(model)) {
    const auto found = stored.find(name);
    if (found == stored.end()) fail("'{}': missing tensor '{}'", path.string(), name);
    if (found->second.sizes() != parameter.sizes()) {
      fail("'{}': tensor '{}' has shape {}, the adapter needs {}", path.string(), name,
           c10::str(found->second.sizes()), c10::str(parameter.sizes()));
    }
    parameter.copy_(found->second);
    ++used;
  }
  if (used != stored.size()) {
    for (const auto& [name, tensor] : stored) {
      if (lora_state(model).count(name) == 0)
        fail("'{}': unexpected tensor '{}' (adapter_config.json does not target it)", path.string(), name);
    }
  }
}

void load_lora_adapter(TransformerImpl& model, const fs::path& directory) {
  add_lora_adapters(model, read_lora_config(directory), /*seed=*/0);
  load_lora_weights(model, directory);
}

}  // namespace grpo
