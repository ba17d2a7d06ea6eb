#include "trainer/memory_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "model/lora.h"
#include "model/model_summary.h"

namespace grpo {

namespace {

constexpr double kFloat = 4.0;  // bytes per float32 value

double sum(const std::vector<MemoryPlan::Item>& items) {
  double total = 0;
  for (const auto& item : items) total += item.bytes;
  return total;
}

// in + out of each projection that `targets` names, in one layer.
int64_t layer_lora_width(const ModelConfig& config, int64_t layer, const std::set<std::string>& targets) {
  const int64_t d = config.hidden_size, hd = config.resolved_head_dim();
  const int64_t q = config.num_attention_heads * hd, kv = config.num_key_value_heads * hd;
  int64_t width = 0;
  if (targets.count("q_proj")) width += d + q;
  if (targets.count("k_proj")) width += d + kv;
  if (targets.count("v_proj")) width += d + kv;
  if (targets.count("o_proj")) width += q + d;
  auto mlp = [&](int64_t intermediate, bool mixtral) {
    int64_t w = 0;
    if (targets.count(mixtral ? "w1" : "gate_proj")) w += d + intermediate;
    if (targets.count(mixtral ? "w3" : "up_proj")) w += d + intermediate;
    if (targets.count(mixtral ? "w2" : "down_proj")) w += intermediate + d;
    return w;
  };
  if (config.is_sparse_layer(layer)) {
    const auto& moe = config.moe;
    width += moe.num_experts * mlp(moe.moe_intermediate_size, config.mixtral_names());
    if (moe.shared_expert_intermediate_size > 0) width += mlp(moe.shared_expert_intermediate_size, false);
    if (moe.n_shared_experts > 0) width += mlp(moe.n_shared_experts * moe.moe_intermediate_size, false);
  } else {
    width += mlp(config.intermediate_size, false);
  }
  return width;
}

// Float32 values autograd keeps per token and layer for the backward pass, at context length `context`:
// norms (input and normalised, twice), q / k / v and their rotated copies, the attention scores, mask fill
// and probabilities (per head and key), the attention output, the SwiGLU's gate, up, activation and
// product, the residuals. For a sparse layer the routed experts see k copies of the token.
double saved_values_per_token(const ModelConfig& config, int64_t layer, int64_t context) {
  const double d = static_cast<double>(config.hidden_size),
               hd = static_cast<double>(config.resolved_head_dim());
  const double q = static_cast<double>(config.num_attention_heads) * hd;
  const double kv = static_cast<double>(config.num_key_value_heads) * hd;
  const double attention =
      4 * d + 3 * q + 3 * kv + 3.0 * static_cast<double>(config.num_attention_heads * context) + 2 * q;
  double mlp = 0;
  if (config.is_sparse_layer(layer)) {
    const auto& moe = config.moe;
    mlp = 4.0 * static_cast<double>(moe.num_experts_per_tok * moe.moe_intermediate_size) +
          4.0 * static_cast<double>(moe.shared_expert_intermediate_size +
                                    moe.n_shared_experts * moe.moe_intermediate_size) +
          2.0 * static_cast<double>(moe.num_experts) + 3 * d;
  } else {
    mlp = 4.0 * static_cast<double>(config.intermediate_size);
  }
  return attention + mlp + 2 * d;
}

std::string gib(double bytes) {
  return human_bytes(bytes);
}

}  // namespace

double MemoryPlan::resident_bytes() const {
  return sum(resident);
}
double MemoryPlan::rollout_bytes() const {
  return sum(rollout);
}
double MemoryPlan::update_bytes() const {
  return sum(update);
}
double MemoryPlan::peak_bytes() const {
  return resident_bytes() + std::max(rollout_bytes(), update_bytes());
}

std::string MemoryPlan::to_text() const {
  std::string text;
  auto section = [&](const std::string& title, const std::vector<Item>& items, double total) {
    text += fmt::format("{:<44} {:>12}\n", title, gib(total));
    for (const auto& item : items)
      text += fmt::format("  {:<42} {:>12}  {}\n", item.name, gib(item.bytes), item.detail);
  };
  section("held through the run", resident, resident_bytes());
  section("rollout phase", rollout, rollout_bytes());
  section("update phase", update, update_bytes());
  text += fmt::format("{:<44} {:>12}  (resident + the larger phase; LibTorch and allocator slack on top)\n",
                      "estimated peak", gib(peak_bytes()));
  return text;
}

int64_t lora_parameter_count(const ModelConfig& config, int64_t r, const std::vector<std::string>& targets) {
  const std::set<std::string> names(targets.begin(), targets.end());
  int64_t count = 0;
  for (int64_t layer = 0; layer < config.num_hidden_layers; ++layer)
    count += r * layer_lora_width(config, layer, names);
  return count;
}

MemoryPlan plan_training_memory(const ModelConfig& model, const TrainerConfig& settings) {
  MemoryPlan plan;
  const int64_t parameters = model.parameter_count();
  const bool lora = settings.lora_r > 0;
  const int64_t adapters =
      lora ? lora_parameter_count(model, settings.lora_r, expand_lora_targets(settings.lora_target_modules))
           : 0;
  plan.trainable_parameters = lora ? adapters : parameters;
  const double trainable = static_cast<double>(plan.trainable_parameters);

  plan.resident.push_back({"weights", kFloat * static_cast<double>(parameters),
                           fmt::format("{} parameters, float32", short_count(parameters))});
  if (lora) {
    plan.resident.push_back({"LoRA adapters", kFloat * static_cast<double>(adapters),
                             fmt::format("{} parameters (r {})", short_count(adapters), settings.lora_r)});
  }
  if (settings.beta > 0 && !lora) {
    plan.resident.push_back({"reference model (beta > 0)", kFloat * static_cast<double>(parameters),
                             "a second copy of the weights"});
  }
  plan.resident.push_back({"gradients", kFloat * trainable, lora ? "adapters only" : "every parameter"});
  plan.resident.push_back({"AdamW moments", 2 * kFloat * trainable, "two per trained parameter"});

  // Rollout: the KV cache of every sequence decoded at once (bounded by --max-decode-rows), and the decode
  // step's logits with the sampler's working copies.
  const int64_t prompt = settings.max_prompt_length > 0 ? settings.max_prompt_length : 512;
  const int64_t context = prompt + settings.max_completion_length;
  int64_t rows = settings.questions_per_step * settings.num_generations;
  if (settings.rollout_memory.max_decode_rows > 0)
    rows = std::min(rows, settings.rollout_memory.max_decode_rows);
  const double kv_per_token = 2.0 * static_cast<double>(model.num_hidden_layers * model.num_key_value_heads *
                                                        model.resolved_head_dim());
  // --bf16: the KV cache in bf16, and autocast's bf16 copies of the weights alive in the rollout (cached for
  // the whole generation) and in the update (saved for the backward pass); activations stay a float32 bound.
  const bool bf16 = settings.bf16_enabled();
  const double kv_bytes = bf16 ? 2.0 : kFloat;
  plan.rollout.push_back({"KV cache", kv_bytes * kv_per_token * static_cast<double>(rows * context),
                          fmt::format("{} rows x {} tokens (prompt bound {} + {}){}", rows, context, prompt,
                                      settings.max_completion_length, bf16 ? ", bf16" : "")});
  if (bf16) {
    const MemoryPlan::Item copies{"bf16 copies of the weights (autocast)",
                                  2.0 * static_cast<double>(parameters), "2 bytes per parameter"};
    plan.rollout.push_back(copies);
    plan.update.push_back(copies);
  }
  plan.rollout.push_back({"decode logits and sampling",
                          4 * kFloat * static_cast<double>(rows * model.vocab_size),
                          fmt::format("~4 x [{}, {}]", rows, model.vocab_size)});

  // Update: one micro-batch's saved activations, and the logits chunk.
  const int64_t step_tokens = settings.questions_per_step * settings.num_generations * context;
  const int64_t micro_tokens =
      settings.micro_batch_tokens > 0 ? std::min(settings.micro_batch_tokens, step_tokens) : step_tokens;
  double all_layers = 0, largest_layer = 0;
  for (int64_t layer = 0; layer < model.num_hidden_layers; ++layer) {
    const double layer_values = saved_values_per_token(model, layer, context);
    all_layers += layer_values;
    largest_layer = std::max(largest_layer, layer_values);
  }
  const double tokens = static_cast<double>(micro_tokens);
  if (settings.gradient_checkpointing) {
    plan.update.push_back(
        {"activations (gradient checkpointing)",
         kFloat * tokens *
             (static_cast<double>(model.num_hidden_layers * model.hidden_size) + 2 * largest_layer),
         fmt::format("{} tokens: each layer's input + one layer recomputed (and its gradients)",
                     micro_tokens)});
  } else {
    plan.update.push_back(
        {"activations", kFloat * tokens * (all_layers + largest_layer),
         fmt::format("{} tokens per micro-batch, every layer's saved tensors", micro_tokens)});
  }
  const int64_t completion_rows =
      std::min<int64_t>(micro_tokens, micro_tokens / std::max<int64_t>(1, context) *
                                          std::max<int64_t>(1, settings.max_completion_length));
  const int64_t logits_rows =
      settings.logits_chunk_tokens > 0
          ? std::min(settings.logits_chunk_tokens, std::max<int64_t>(1, completion_rows))
          : std::max<int64_t>(1, completion_rows);
  plan.update.push_back(
      {"logits chunk", 3 * kFloat * static_cast<double>(logits_rows * model.vocab_size),
       fmt::format("~3 x [{}, {}] (--logits-chunk-tokens)", logits_rows, model.vocab_size)});
  return plan;
}

}  // namespace grpo
