#include "update_fixture.h"

#include <torch/torch.h>

#include <random>

#include "trainer/policy_update.h"

namespace grpo::testing {

ModelConfig update_model_config() {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = 40;
  config.hidden_size = 16;
  config.intermediate_size = 24;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 64;
  config.tie_word_embeddings = false;
  return config;
}

Transformer update_model() {
  Transformer model(update_model_config());
  initialize_weights(*model, /*seed=*/11, 0.2);
  torch::NoGradGuard no_grad;
  torch::manual_seed(12);
  for (auto& parameter : model->parameters()) {
    if (parameter.dim() == 1) parameter.add_(torch::randn_like(parameter) * 0.2);
  }
  model->eval();
  return model;
}

std::vector<TrainingSequence> update_sequences(TransformerImpl& model) {
  std::mt19937 random(5);
  auto token = [&] { return static_cast<int64_t>(3 + random() % 37); };
  const int64_t prompt_lengths[] = {4, 7};
  const int64_t completion_lengths[] = {3, 10, 6, 2, 9, 4, 10, 5};
  // No advantage is 0: with beta > 0, a sequence without policy gradient leaves the weights only it touches
  // with the KL term's gradient alone, which is 0 on the first step up to float32 rounding (the reference
  // equals the policy); AdamW divides by the gradient's own size, so the C++ side moved those weights by ~0.1
  // lr on rounding noise where the float64 reference did not, and the cases with two minibatches differed by
  // up to 4e-4.
  const double advantages[] = {1.1, -0.6, 0.2, -0.5, 0.9, -1.3, 0.7, -0.3};
  std::vector<TrainingSequence> sequences;
  for (int64_t group = 0; group < 2; ++group) {
    std::vector<int64_t> prompt(prompt_lengths[group]);
    for (auto& t : prompt) t = token();
    for (int64_t g = 0; g < 4; ++g) {
      const size_t i = sequences.size();
      TrainingSequence s;
      s.prompt_ids = prompt;
      s.completion_ids.resize(completion_lengths[i]);
      for (auto& t : s.completion_ids) t = token();
      s.advantage = advantages[i];
      s.loss_masked = i == 6;  // a truncated completion with mask_truncated_completions
      sequences.push_back(std::move(s));
    }
  }
  compute_completion_logprobs(model, sequences, 0, kUpdateTemperature, &TrainingSequence::old_logprobs);
  std::uniform_real_distribution<float> noise(-0.4f, 0.4f);
  for (auto& s : sequences) {
    for (auto& value : s.old_logprobs) value += noise(random);
  }
  return sequences;
}

std::vector<TrainingSequence> sequences_of(const std::vector<std::vector<int64_t>>& prompts,
                                           const GenerationResult& result) {
  std::vector<TrainingSequence> sequences;
  for (const auto& completion : result.completions) {
    TrainingSequence s;
    s.prompt_ids = prompts[completion.prompt_index];
    s.completion_ids = completion.token_ids;
    sequences.push_back(std::move(s));
  }
  return sequences;
}

}  // namespace grpo::testing
