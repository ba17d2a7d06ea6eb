// The rollout engine in bf16 (inside a MixedPrecisionScope, as grpo train --bf16 runs it): its log-probs are
// the teacher-forced bf16 forward's (no cache) to bf16 precision, and differ from float32's, so the bf16 path
// (KV cache included) was really taken.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "model/mixed_precision.h"
#include "model/transformer.h"
#include "rollout/engine.h"

namespace grpo {
namespace {

Transformer bf16_test_model() {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = 64;
  config.hidden_size = 64;
  config.intermediate_size = 96;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 64;
  config.eos_token_id = 2;
  Transformer model(config);
  initialize_weights(*model, 11, 0.1);
  model->eval();
  return model;
}

const std::vector<std::vector<int64_t>> kPrompts = {{1, 5, 9}, {1, 7, 3, 8, 8, 4, 20}, {1, 30, 31}};

// log_softmax(logits / T) of each completion token, teacher-forced without a cache, in `dtype`.
std::vector<float> teacher_forced(Transformer& model, const Completion& completion, torch::Dtype dtype,
                                  double temperature) {
  c10::InferenceMode inference;
  const MixedPrecisionScope precision(torch::kCPU, dtype, true);
  std::vector<int64_t> sequence = kPrompts[completion.prompt_index];
  const int64_t prompt_length = static_cast<int64_t>(sequence.size());
  sequence.insert(sequence.end(), completion.token_ids.begin(), completion.token_ids.end());
  const int64_t n = static_cast<int64_t>(sequence.size());
  auto logits = model->forward(torch::tensor(sequence, torch::kLong).unsqueeze(0),
                               torch::arange(n, torch::kLong).unsqueeze(0), {});                 // [1, n, V]
  auto log_probs = torch::log_softmax(logits.squeeze(0).to(torch::kFloat32) / temperature, -1);  // [n, V]
  std::vector<float> values;
  for (size_t t = 0; t < completion.token_ids.size(); ++t) {
    values.push_back(
        log_probs[prompt_length - 1 + static_cast<int64_t>(t)][completion.token_ids[t]].item<float>());
  }
  return values;
}

TEST(RolloutEngineBf16, LogprobsAreTheBf16ForwardsAndDifferFromFloat32) {
  auto model = bf16_test_model();
  RolloutEngine engine(model, nullptr);
  GenerationOptions options;
  options.num_samples = 3;
  options.max_new_tokens = 10;
  options.sampling.temperature = 0.7;
  options.seed = 5;
  GenerationResult result;
  {
    const MixedPrecisionScope precision(torch::kCPU, torch::kBFloat16, /*cache_weights=*/true);
    result = engine.generate(kPrompts, options);
  }
  double to_bf16 = 0, to_float32 = 0;
  for (const auto& completion : result.completions) {
    ASSERT_EQ(completion.logprobs.size(), completion.token_ids.size());
    const auto bf16 = teacher_forced(model, completion, torch::kBFloat16, 0.7);
    const auto float32 = teacher_forced(model, completion, torch::kFloat32, 0.7);
    for (size_t t = 0; t < bf16.size(); ++t) {
      to_bf16 = std::max(to_bf16, static_cast<double>(std::abs(completion.logprobs[t] - bf16[t])));
      to_float32 = std::max(to_float32, static_cast<double>(std::abs(completion.logprobs[t] - float32[t])));
    }
  }
  // Measured: the teacher-forced bf16 forward's to < 1e-6 nats, float32's 0.02 nats away.
  RecordProperty("max_abs_difference_to_bf16_forward", std::to_string(to_bf16));
  RecordProperty("max_abs_difference_to_float32_forward", std::to_string(to_float32));
  EXPECT_LT(to_bf16, 0.01);
  EXPECT_GT(to_float32, 1e-4) << "the engine's log-probs are float32's: bf16 was not used";
}

}  // namespace
}  // namespace grpo
