// token_logprobs computes the logits chunk by chunk and recomputes them in its own backward pass, so that no
// [rows, V] tensor outlives its chunk. Its values, its entropy and the gradient of every parameter equal the
// plain autograd path's (log_softmax of the whole [B, T, V] logits, then gather), tied and untied, at
// temperature 1 and 0.7, in chunks of 1, 3 (not a divisor of the 11 masked rows) and all at once; with
// bfloat16 weights to bfloat16 precision. The whole
// update through it is also checked against the float64 PyTorch reference (PolicyUpdateReference, whose
// micro-batch cases use 5-row chunks).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>

#include "model/transformer.h"

namespace grpo {
namespace {

ModelConfig logprob_config(bool tied) {
  ModelConfig config;
  config.model_type = "qwen2";  // q/k/v biases: every kind of parameter receives a gradient
  config.vocab_size = 61;
  config.hidden_size = 24;
  config.intermediate_size = 40;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 64;
  config.tie_word_embeddings = tied;
  return config;
}

struct Pass {
  torch::Tensor logprobs;                          // [2, 7]
  torch::Tensor entropy;                           // [2, 7]
  std::map<std::string, torch::Tensor> gradients;  // of sum(coefficients * logprobs), by parameter name
};

// The gradient of sum(coefficients * logprobs) over the masked positions: through token_logprobs with
// `chunk_tokens`, or (chunk_tokens < 0) through plain autograd over the whole logits.
Pass run_pass(TransformerImpl& model, double temperature, int64_t chunk_tokens) {
  torch::manual_seed(3);
  auto ids = torch::randint(0, 61, {2, 7}, torch::kLong);
  auto targets = torch::randint(0, 61, {2, 7}, torch::kLong);
  auto mask = torch::tensor({{0, 0, 1, 1, 1, 1, 0}, {0, 1, 1, 1, 1, 1, 1}}).to(torch::kBool);  // 11 rows
  auto coefficients = torch::randn({2, 7});
  auto positions = torch::arange(7, torch::kLong).unsqueeze(0).expand({2, 7}).contiguous();
  model.zero_grad();
  auto hidden = model.hidden_states(ids, positions, {});  // [2, 7, D]
  Pass pass;
  if (chunk_tokens >= 0) {
    pass.logprobs = token_logprobs(model, hidden, targets, mask, temperature, &pass.entropy, chunk_tokens);
  } else {
    auto all = torch::log_softmax(model.logits_from_hidden(hidden).to(torch::kFloat32) / temperature,
                                  -1);  // [2, 7, V]
    pass.logprobs = all.gather(2, targets.unsqueeze(2)).squeeze(2) * mask;
    pass.entropy = (-(all.exp() * all).sum(-1) * mask).detach();
  }
  (pass.logprobs * coefficients).sum().backward();
  pass.logprobs = pass.logprobs.detach();
  for (const auto& item : model.named_parameters()) pass.gradients[item.key()] = item.value().grad().clone();
  return pass;
}

TEST(TokenLogprobs, ChunkedRecomputingBackwardEqualsThePlainAutogradGradient) {
  for (bool tied : {false, true}) {
    Transformer model(logprob_config(tied));
    initialize_weights(*model, 9, 0.2);
    for (double temperature : {1.0, 0.7}) {
      const Pass plain = run_pass(*model, temperature, -1);
      for (int64_t chunk : {1, 3, 0}) {
        SCOPED_TRACE(::testing::Message() << "tied " << tied << ", T " << temperature << ", chunk " << chunk);
        const Pass chunked = run_pass(*model, temperature, chunk);
        EXPECT_TRUE(torch::allclose(chunked.logprobs, plain.logprobs, 1e-5, 1e-6));
        EXPECT_TRUE(torch::allclose(chunked.entropy, plain.entropy, 1e-5, 1e-6));
        double largest = 0;
        for (const auto& [name, gradient] : plain.gradients) {
          const auto difference = (chunked.gradients.at(name) - gradient).abs().max().item<double>();
          EXPECT_TRUE(torch::allclose(chunked.gradients.at(name), gradient, 1e-4, 1e-6))
              << name << ": largest difference " << difference;
          largest = std::max(largest, gradient.abs().max().item<double>());
        }
        EXPECT_GT(largest, 1e-2) << "gradients this small would make the comparison meaningless";
      }
    }
  }
}

TEST(TokenLogprobs, Bfloat16WeightsGiveThePlainPathsGradientToBfloat16Precision) {
  Transformer model(logprob_config(false));
  initialize_weights(*model, 9, 0.2);
  model->to(torch::kBFloat16);
  const Pass plain = run_pass(*model, 1.0, -1);
  const Pass chunked = run_pass(*model, 1.0, 3);
  EXPECT_TRUE(torch::allclose(chunked.logprobs, plain.logprobs, 1e-5, 1e-6));
  for (const auto& [name, gradient] : plain.gradients) {
    ASSERT_EQ(chunked.gradients.at(name).scalar_type(), torch::kBFloat16) << name;
    const auto expected = gradient.to(torch::kFloat32);
    const double scale = expected.abs().max().item<double>();
    const double difference =
        (chunked.gradients.at(name).to(torch::kFloat32) - expected).abs().max().item<double>();
    EXPECT_LT(difference, 0.03 * scale) << name;
  }
}

TEST(TokenLogprobs, NoGraphWhenNothingRequiresAGradient) {
  Transformer model(logprob_config(false));
  initialize_weights(*model, 9, 0.2);
  c10::InferenceMode inference;
  auto ids = torch::randint(0, 61, {1, 5}, torch::kLong);
  auto hidden = model->hidden_states(ids, torch::arange(5, torch::kLong).unsqueeze(0), {});
  torch::Tensor entropy;
  auto logprobs = token_logprobs(*model, hidden, ids, torch::ones({1, 5}, torch::kBool), 1.0, &entropy, 2);
  EXPECT_FALSE(logprobs.requires_grad());
  EXPECT_LT(logprobs.max().item<float>(), 0.0f);
  EXPECT_GT(entropy.min().item<float>(), 0.0f);
}

}  // namespace
}  // namespace grpo
