// The Transformer's contract: shapes, causality, padding and positions, the KV cache, log-probs, gradients.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "model/transformer.h"

namespace grpo {
namespace {

ModelConfig small_config(const std::string& type = "llama", bool tied = false) {
  ModelConfig config;
  config.model_type = type;
  config.vocab_size = 97;
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  config.tie_word_embeddings = tied;
  return config;
}

Transformer make_model(const ModelConfig& config, uint64_t seed = 7) {
  Transformer model(config);
  initialize_weights(*model, seed, 0.2);  // large weights: differences show up clearly
  return model;
}

torch::Tensor positions_for(int64_t batch, int64_t steps, int64_t start = 0) {
  return torch::arange(start, start + steps, torch::kLong).unsqueeze(0).expand({batch, steps}).contiguous();
}

TEST(Transformer, ShapesAndParameterNames) {
  auto config = small_config();
  auto model = make_model(config);
  auto ids = torch::randint(0, config.vocab_size, {3, 5}, torch::kLong);
  auto logits = model->forward(ids, positions_for(3, 5), {});
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 5, config.vocab_size}));
  std::set<std::string> names;
  for (const auto& item : model->named_parameters()) names.insert(item.key());
  EXPECT_TRUE(names.count("model.embed_tokens.weight"));
  EXPECT_TRUE(names.count("model.layers.1.self_attn.k_proj.weight"));
  EXPECT_TRUE(names.count("model.layers.0.mlp.down_proj.weight"));
  EXPECT_TRUE(names.count("model.layers.0.post_attention_layernorm.weight"));
  EXPECT_TRUE(names.count("model.norm.weight"));
  EXPECT_TRUE(names.count("lm_head.weight"));
  EXPECT_FALSE(names.count("model.layers.0.self_attn.q_proj.bias"));
  EXPECT_EQ(names.size(), 1 + 2 * 9 + 1 + 1);
}

TEST(Transformer, TiedHeadAndQwenBiases) {
  auto model = make_model(small_config("qwen2", /*tied=*/true));
  std::set<std::string> names;
  for (const auto& item : model->named_parameters()) names.insert(item.key());
  EXPECT_FALSE(names.count("lm_head.weight"));
  EXPECT_TRUE(names.count("model.layers.0.self_attn.q_proj.bias"));
  EXPECT_TRUE(names.count("model.layers.0.self_attn.v_proj.bias"));
  EXPECT_FALSE(names.count("model.layers.0.self_attn.o_proj.bias"));
  auto hidden = model->hidden_states(torch::tensor({{1, 2, 3}}, torch::kLong), positions_for(1, 3), {});
  auto expected = torch::matmul(hidden, model->model->embed_tokens->weight.t());
  EXPECT_TRUE(torch::allclose(model->logits_from_hidden(hidden), expected));
}

TEST(Transformer, CausalityLaterTokensNeverChangeEarlierLogits) {
  auto config = small_config();
  auto model = make_model(config);
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(0, config.vocab_size, {2, 8}, torch::kLong);
  auto before = model->forward(ids, positions_for(2, 8), {});
  for (int64_t t = 0; t + 1 < 8; ++t) {
    auto changed = ids.clone();
    changed.index_put_({torch::indexing::Slice(), t + 1},
                       (ids.index({torch::indexing::Slice(), t + 1}) + 1) % 97);
    auto after = model->forward(changed, positions_for(2, 8), {});
    auto prefix = torch::indexing::Slice(0, t + 1);
    EXPECT_TRUE(torch::equal(before.index({torch::indexing::Slice(), prefix}),
                             after.index({torch::indexing::Slice(), prefix})))
        << "changing token " << t + 1 << " changed logits at or before " << t;
    EXPECT_FALSE(torch::allclose(before.index({torch::indexing::Slice(), t + 1}),
                                 after.index({torch::indexing::Slice(), t + 1})));
  }
}

TEST(Transformer, LeftPaddingWithPositionsMatchesUnpaddedSequence) {
  auto config = small_config();
  auto model = make_model(config);
  torch::NoGradGuard no_grad;
  auto sequence = torch::tensor({{5, 9, 11, 2}}, torch::kLong);
  auto alone = model->forward(sequence, positions_for(1, 4), {});  // [1, 4, V]
  auto padded = torch::tensor({{0, 0, 0, 5, 9, 11, 2}}, torch::kLong);
  auto mask = torch::tensor({{false, false, false, true, true, true, true}});
  auto positions = torch::tensor({{0, 0, 0, 0, 1, 2, 3}}, torch::kLong);
  auto with_padding = model->forward(padded, positions, mask);
  EXPECT_FALSE(with_padding.isnan().any().item<bool>());
  EXPECT_TRUE(torch::allclose(with_padding.narrow(1, 3, 4), alone, 1e-5, 1e-5));
}

TEST(Transformer, KVCacheStepByStepEqualsFullRecompute) {
  auto config = small_config("qwen2");
  auto model = make_model(config);
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(0, config.vocab_size, {3, 9}, torch::kLong);
  auto full = model->forward(ids, positions_for(3, 9), {});
  KVCache cache = model->make_cache(3, 2);  // deliberately too small: it must grow
  auto prefill = model->forward(ids.narrow(1, 0, 4), positions_for(3, 4), {}, &cache);
  EXPECT_TRUE(torch::allclose(prefill, full.narrow(1, 0, 4), 1e-5, 1e-5));
  for (int64_t t = 4; t < 9; ++t) {
    auto step = model->forward(ids.narrow(1, t, 1), positions_for(3, 1, t), {}, &cache);
    EXPECT_TRUE(torch::allclose(step, full.narrow(1, t, 1), 1e-5, 1e-5)) << "position " << t;
  }
  EXPECT_EQ(cache.length, 9);
  // Reordering rows (as the rollout does to share a prompt) keeps each row's cache.
  cache.reorder(torch::tensor({2, 2, 0}, torch::kLong));
  auto next = torch::tensor({{3}, {3}, {4}}, torch::kLong);
  auto step = model->forward(next, positions_for(3, 1, 9), {}, &cache);
  auto reference = model->forward(torch::cat({ids.index_select(0, torch::tensor({2, 2, 0})), next}, 1),
                                  positions_for(3, 10), {});
  EXPECT_TRUE(torch::allclose(step, reference.narrow(1, 9, 1), 1e-5, 1e-5));
}

// Decoding on the CPU without autograd splits the attention products across threads (AttentionImpl); with
// two threads, left-padded rows (a per-row key mask) and an odd batch, it must equal the full recomputation.
TEST(Transformer, KVCacheDecodingSplitAcrossThreadsEqualsFullRecompute) {
  const int saved_threads = torch::get_num_threads();
  torch::set_num_threads(2);
  auto config = small_config();
  auto model = make_model(config);
  torch::NoGradGuard no_grad;
  const int64_t batch = 5, prompt = 6, total = 10;
  auto ids = torch::randint(3, config.vocab_size, {batch, total}, torch::kLong);
  auto key_mask = torch::ones({batch, total}, torch::kBool);
  auto positions = torch::zeros({batch, total}, torch::kLong);
  for (int64_t row = 0; row < batch; ++row) {
    const int64_t padding = row;  // row r has r padding columns on the left
    key_mask[row].narrow(0, 0, padding).fill_(false);
    positions[row].narrow(0, padding, total - padding).copy_(torch::arange(total - padding, torch::kLong));
  }
  auto full = model->forward(ids, positions, key_mask);  // [B, total, V]
  KVCache cache = model->make_cache(batch, total);
  model->forward(ids.narrow(1, 0, prompt), positions.narrow(1, 0, prompt), key_mask.narrow(1, 0, prompt),
                 &cache);
  for (int64_t t = prompt; t < total; ++t) {
    auto step =
        model->forward(ids.narrow(1, t, 1), positions.narrow(1, t, 1), key_mask.narrow(1, 0, t + 1), &cache);
    EXPECT_TRUE(torch::allclose(step, full.narrow(1, t, 1), 1e-5, 1e-5)) << "position " << t;
  }
  torch::set_num_threads(saved_threads);
}

TEST(Transformer, TokenLogprobsEqualLogSoftmaxAndGather) {
  auto config = small_config();
  auto model = make_model(config);
  auto ids = torch::randint(0, config.vocab_size, {2, 6}, torch::kLong);
  auto targets = torch::randint(0, config.vocab_size, {2, 6}, torch::kLong);
  auto loss_mask = torch::tensor({{0, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 1}}).to(torch::kBool);
  for (double temperature : {1.0, 0.7}) {
    auto hidden = model->hidden_states(ids, positions_for(2, 6), {});
    torch::Tensor entropy;
    auto logprobs =
        token_logprobs(*model, hidden, targets, loss_mask, temperature, &entropy, /*chunk_tokens=*/3);
    auto full = torch::log_softmax(model->logits_from_hidden(hidden) / temperature, -1);
    auto expected = full.gather(2, targets.unsqueeze(2)).squeeze(2) * loss_mask;
    auto expected_entropy = -(full.exp() * full).sum(-1) * loss_mask;
    EXPECT_TRUE(torch::allclose(logprobs, expected, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(entropy, expected_entropy, 1e-5, 1e-6));
    EXPECT_EQ(logprobs.masked_select(loss_mask.logical_not()).abs().sum().item<float>(), 0.0f);
  }
}

TEST(Transformer, EveryParameterReceivesAGradient) {
  for (bool tied : {false, true}) {
    auto config = small_config("qwen2", tied);
    auto model = make_model(config);
    auto ids = torch::randint(0, config.vocab_size, {2, 5}, torch::kLong);
    auto hidden = model->hidden_states(ids, positions_for(2, 5), {});
    auto mask = torch::ones({2, 5}, torch::kBool);
    token_logprobs(*model, hidden, ids, mask).sum().backward();
    for (const auto& item : model->named_parameters()) {
      ASSERT_TRUE(item.value().grad().defined()) << item.key();
      EXPECT_GT(item.value().grad().abs().sum().item<float>(), 0.0f) << item.key();
    }
  }
}

TEST(Transformer, Bfloat16ForwardIsCloseToFloat32) {
  auto config = small_config();
  auto model = make_model(config);
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(0, config.vocab_size, {2, 6}, torch::kLong);
  auto reference = torch::log_softmax(model->forward(ids, positions_for(2, 6), {}), -1);
  model->to(torch::kBFloat16);
  EXPECT_EQ(model->dtype(), torch::kBFloat16);
  auto low = torch::log_softmax(model->forward(ids, positions_for(2, 6), {}).to(torch::kFloat32), -1);
  EXPECT_LT((low - reference).abs().max().item<float>(), 0.5f);
  EXPECT_EQ((low.argmax(-1) == reference.argmax(-1)).to(torch::kFloat32).mean().item<float>() >= 0.75f, true);
}

}  // namespace
}  // namespace grpo
