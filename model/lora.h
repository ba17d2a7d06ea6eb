// LoRA (Hu et al. 2021) as Hugging Face PEFT does it: on each chosen projection W [out, in],
//   y = x W^T + b + scaling * B(A(dropout(x))),  A [r, in] kaiming-uniform (a = sqrt(5)), B [out, r] zeros,
//   scaling = lora_alpha / r,
// so that a fresh adapter leaves the model's output unchanged. Only the adapters train. The adapters are
// registered inside the projection as `lora_A` / `lora_B`, so their parameter names are PEFT's without its
// prefix (`model.layers.0.self_attn.q_proj.lora_A.weight`); PEFT's files add `base_model.model.`.
// Files: adapter_config.json + adapter_model.safetensors, as PEFT's save_pretrained writes them.
#pragma once

#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "model/safetensors.h"

namespace grpo {

class TransformerImpl;

// A torch::nn::Linear (same weight / bias names) that may carry a LoRA adapter. Without one, or with it
// switched off, forward is the plain linear map.
class LoraLinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& x);  // [..., in] -> [..., out]
  // Registers lora_A [r, in] (kaiming-uniform, from the global generator) and lora_B [out, r] (zeros).
  void add_adapter(int64_t r, double alpha, double dropout);
  bool has_adapter() const { return !lora_A.is_empty(); }
  // scaling * B A [out, in]: what the adapter adds to the weight.
  torch::Tensor adapter_delta() const;

  torch::nn::Linear lora_A{nullptr}, lora_B{nullptr};
  double scaling = 0.0;
  double dropout = 0.0;
  bool adapter_enabled = true;
};
TORCH_MODULE(LoraLinear);

struct LoraSettings {
  int64_t r = 0;         // rank (0 = no LoRA)
  double alpha = 8.0;    // lora_alpha (PEFT's default 8): scaling = alpha / r
  double dropout = 0.0;  // lora_dropout on the adapter's input, in training mode
  // Projection names (PEFT's target_modules): q_proj k_proj v_proj o_proj gate_proj up_proj down_proj, or
  // "all-linear" for all of them. PEFT's default for Llama / Qwen is q_proj and v_proj.
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  bool enabled() const { return r > 0; }
  // Throws naming the option (--lora-r, ...) when a value is invalid.
  void validate() const;
};

// The projection names `targets` stands for ("all-linear" expanded), checked: throws naming an unknown one.
std::vector<std::string> expand_lora_targets(const std::vector<std::string>& targets);

// Adds adapters to every projection of `model` named in settings.target_modules (a Mixtral model's experts
// use w1 / w3 / w2 for gate / up / down) and freezes every other parameter. `seed` draws the A matrices.
// Returns how many projections got one; throws when none did.
int64_t add_lora_adapters(TransformerImpl& model, const LoraSettings& settings, uint64_t seed);

// Whether a parameter name is a LoRA adapter's (`...q_proj.lora_A.weight`).
bool is_lora_parameter(const std::string& name);

// Whether any projection of `model` carries an adapter.
bool has_lora_adapters(TransformerImpl& model);

// Switches every adapter on or off: off, the model is the base model (the KL reference without a copy).
void set_lora_enabled(TransformerImpl& model, bool enabled);

// RAII: the adapters off for a scope.
class LoraDisabledScope {
 public:
  explicit LoraDisabledScope(TransformerImpl& model);
  ~LoraDisabledScope();
  LoraDisabledScope(const LoraDisabledScope&) = delete;
  LoraDisabledScope& operator=(const LoraDisabledScope&) = delete;

 private:
  TransformerImpl& model_;
  bool had_adapters_;
};

// The model's weights with every adapter folded in (W + scaling B A), adapters themselves left out; Hugging
// Face names, as model_state gives them. Fresh tensors for the merged weights.
TensorMap merged_model_state(TransformerImpl& model);

// PEFT's names: "base_model.model." + parameter name -> the adapter tensors (lora_A / lora_B).
TensorMap lora_state(TransformerImpl& model);

// Writes `directory`/adapter_config.json and adapter_model.safetensors (PEFT's layout and keys; the model's
// adapters must exist). `base_model` is recorded as base_model_name_or_path.
void save_lora_adapter(TransformerImpl& model, const std::filesystem::path& directory,
                       const std::string& base_model);

// Reads `directory`/adapter_config.json (peft_type LORA; r, lora_alpha, lora_dropout, target_modules).
LoraSettings read_lora_config(const std::filesystem::path& directory);

// Adds the adapters adapter_config.json describes and loads adapter_model.safetensors into them; every
// tensor must be present with its shape (errors name the file and tensor).
void load_lora_adapter(TransformerImpl& model, const std::filesystem::path& directory);

// Copies the adapter values of `directory`/adapter_model.safetensors into the model's existing adapters.
void load_lora_weights(TransformerImpl& model, const std::filesystem::path& directory);

}  // namespace grpo
