// The rollout engine against independent recomputation: cached greedy == naive greedy, returned log-probs ==
// teacher-forced log-probs, seeds, finish reasons, limits, bad prompts, the memory bound and prompt sharing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace grpo {
namespace {

ModelConfig rollout_config(int64_t vocab = 64) {
  ModelConfig config;
  config.model_type = "qwen2";
  config.vocab_size = vocab;
  config.hidden_size = 32;
  config.intermediate_size = 48;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 64;
  config.eos_token_id = 2;
  return config;
}

Transformer make_model(const ModelConfig& config) {
  Transformer model(config);
  initialize_weights(*model, 11, 0.3);
  model->eval();
  return model;
}

const std::vector<std::vector<int64_t>> kPrompts = {
    {1, 5, 9}, {1, 7, 3, 8, 8, 4, 20}, {1}, {1, 30, 31, 32, 33}};

// Greedy decoding by full recomputation, one prompt at a time, no cache, no padding.
std::vector<int64_t> naive_greedy(Transformer& model, std::vector<int64_t> sequence, int64_t new_tokens) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> generated;
  for (int64_t i = 0; i < new_tokens; ++i) {
    int64_t n = static_cast<int64_t>(sequence.size());
    auto ids = torch::tensor(sequence, torch::kLong).unsqueeze(0);
    auto positions = torch::arange(n, torch::kLong).unsqueeze(0);
    auto logits = model->forward(ids, positions, {});
    int64_t next = logits.select(1, n - 1).argmax(-1).item<int64_t>();
    generated.push_back(next);
    sequence.push_back(next);
  }
  return generated;
}

GenerationOptions greedy_options(int64_t new_tokens) {
  GenerationOptions options;
  options.sampling.temperature = 0.0;
  options.max_new_tokens = new_tokens;
  options.stop_at_eos = false;
  return options;
}

TEST(RolloutEngine, CachedGreedyEqualsFullRecomputationForMixedLengths) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  auto options = greedy_options(12);
  options.num_samples = 2;
  auto result = engine.generate(kPrompts, options);
  ASSERT_EQ(result.completions.size(), kPrompts.size() * 2);
  for (const auto& completion : result.completions) {
    auto expected = naive_greedy(model, kPrompts[completion.prompt_index], 12);
    EXPECT_EQ(completion.token_ids, expected) << "prompt " << completion.prompt_index;
  }
  // The engine's own recompute path (no cache, no sharing) agrees too.
  options.use_kv_cache = false;
  options.share_prompt_cache = false;
  auto recomputed = engine.generate(kPrompts, options);
  for (size_t i = 0; i < result.completions.size(); ++i) {
    EXPECT_EQ(recomputed.completions[i].token_ids, result.completions[i].token_ids);
  }
}

TEST(RolloutEngine, LogprobsEqualTeacherForcedForwardPass) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  GenerationOptions options;
  options.num_samples = 3;
  options.max_new_tokens = 10;
  options.sampling.temperature = 0.7;
  options.sampling.top_k = 20;
  options.seed = 5;
  auto result = engine.generate(kPrompts, options);
  torch::NoGradGuard no_grad;
  for (const auto& completion : result.completions) {
    std::vector<int64_t> sequence = kPrompts[completion.prompt_index];
    const int64_t prompt_length = static_cast<int64_t>(sequence.size());
    sequence.insert(sequence.end(), completion.token_ids.begin(), completion.token_ids.end());
    int64_t n = static_cast<int64_t>(sequence.size());
    auto logits = model->forward(torch::tensor(sequence, torch::kLong).unsqueeze(0),
                                 torch::arange(n, torch::kLong).unsqueeze(0), {});  // [1, n, V]
    auto log_probs = torch::log_softmax(logits.squeeze(0) / 0.7, -1);
    ASSERT_EQ(completion.logprobs.size(), completion.token_ids.size());
    for (size_t t = 0; t < completion.token_ids.size(); ++t) {
      float expected =
          log_probs[prompt_length - 1 + static_cast<int64_t>(t)][completion.token_ids[t]].item<float>();
      EXPECT_NEAR(completion.logprobs[t], expected, 1e-5) << "token " << t;
    }
  }
}

TEST(RolloutEngine, SameSeedSameOutputOtherSeedOtherOutput) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  GenerationOptions options;
  options.num_samples = 4;
  options.max_new_tokens = 16;
  options.stop_at_eos = false;
  options.seed = 123;
  auto first = engine.generate(kPrompts, options);
  auto second = engine.generate(kPrompts, options);
  options.seed = 124;
  auto other = engine.generate(kPrompts, options);
  int differing = 0;
  for (size_t i = 0; i < first.completions.size(); ++i) {
    EXPECT_EQ(first.completions[i].token_ids, second.completions[i].token_ids);
    differing += first.completions[i].token_ids != other.completions[i].token_ids;
  }
  EXPECT_GT(differing, 8);
  // The G samples of one prompt differ from each other (they do not share a generator).
  EXPECT_NE(first.completions[0].token_ids, first.completions[1].token_ids);
}

TEST(RolloutEngine, MemoryBoundsSplitWorkWithoutChangingResults) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  GenerationOptions options;
  options.num_samples = 3;
  options.max_new_tokens = 8;
  options.stop_at_eos = false;
  options.seed = 9;
  const auto unbounded = engine.generate(kPrompts, options);
  // 5 rows per decode wave; prompts prefilled one or two at a time; both
  for (const RolloutMemoryBounds bounds :
       {RolloutMemoryBounds{5, 0}, RolloutMemoryBounds{0, 5}, RolloutMemoryBounds{5, 5}}) {
    SCOPED_TRACE(::testing::Message() << "max_decode_rows " << bounds.max_decode_rows
                                      << ", max_prefill_tokens " << bounds.max_prefill_tokens);
    options.memory = bounds;
    const auto bounded = engine.generate(kPrompts, options);
    ASSERT_EQ(bounded.completions.size(), unbounded.completions.size());
    for (size_t i = 0; i < unbounded.completions.size(); ++i) {
      EXPECT_EQ(bounded.completions[i].token_ids, unbounded.completions[i].token_ids);
      EXPECT_EQ(bounded.completions[i].prompt_index, unbounded.completions[i].prompt_index);
      EXPECT_EQ(bounded.completions[i].sample_index, unbounded.completions[i].sample_index);
      for (size_t t = 0; t < unbounded.completions[i].logprobs.size(); ++t) {
        EXPECT_NEAR(bounded.completions[i].logprobs[t], unbounded.completions[i].logprobs[t], 1e-5);
      }
    }
  }
}

TEST(RolloutEngine, NegativeMemoryBoundsAreRefusedByName) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  GenerationOptions options;
  options.memory.max_decode_rows = -1;
  EXPECT_THROW(
      {
        try {
          engine.generate(kPrompts, options);
        } catch (const Error& error) {
          EXPECT_NE(std::string(error.what()).find("max_decode_rows"), std::string::npos) << error.what();
          throw;
        }
      },
      Error);
  options.memory = {0, -2};
  EXPECT_THROW(engine.generate(kPrompts, options), Error);
}

TEST(RolloutEngine, PromptSharingPrefillsEachPromptOnce) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  auto options = greedy_options(4);
  options.num_samples = 8;
  auto shared = engine.generate(kPrompts, options);
  options.share_prompt_cache = false;
  auto unshared = engine.generate(kPrompts, options);
  const int64_t padded_width = 7;
  EXPECT_EQ(shared.prompt_tokens_processed, 4 * padded_width);
  EXPECT_EQ(unshared.prompt_tokens_processed, 4 * 8 * padded_width);
  for (size_t i = 0; i < shared.completions.size(); ++i) {
    EXPECT_EQ(shared.completions[i].token_ids, unshared.completions[i].token_ids);
  }
}

TEST(RolloutEngine, FinishReasonsAndLengthLimit) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  auto options = greedy_options(10);
  auto free_run = engine.generate(kPrompts, options);
  for (const auto& completion : free_run.completions) {
    EXPECT_EQ(completion.token_ids.size(), 10u);
    EXPECT_EQ(completion.finish_reason, FinishReason::kLength);
  }
  // Declare the 4th token greedy decoding produces for prompt 1 to be the end-of-sequence token.
  const auto& reference = free_run.completions[1].token_ids;
  int64_t eos = reference[3];
  size_t first_eos = std::find(reference.begin(), reference.end(), eos) - reference.begin();
  options.stop_at_eos = true;
  options.eos_token_id = eos;
  auto stopped = engine.generate(kPrompts, options);
  const auto& completion = stopped.completions[1];
  EXPECT_EQ(completion.finish_reason, FinishReason::kEos);
  ASSERT_EQ(completion.token_ids.size(), first_eos + 1);
  EXPECT_EQ(completion.token_ids.back(), eos);
  EXPECT_TRUE(std::equal(completion.token_ids.begin(), completion.token_ids.end(), reference.begin()));
  for (const auto& c : stopped.completions) {
    EXPECT_LE(c.token_ids.size(), 10u);
    EXPECT_EQ(c.finish_reason == FinishReason::kEos, !c.token_ids.empty() && c.token_ids.back() == eos);
  }
}

// config.json's eos_token_id may be a list: its later ids (extra_eos_token_ids) end completions as the first
// does.
TEST(RolloutEngine, ExtraEosTokenIdsFromTheConfigEndCompletions) {
  ModelConfig config = rollout_config();
  auto free_run = RolloutEngine(make_model(config), nullptr).generate(kPrompts, greedy_options(10));
  std::vector<bool> produced(config.vocab_size, false);
  for (const auto& c : free_run.completions) {
    for (int64_t token : c.token_ids) produced[token] = true;
  }
  const int64_t unused = std::find(produced.begin(), produced.end(), false) - produced.begin();
  ASSERT_LT(unused, config.vocab_size) << "greedy decoding produced every id";
  // The 4th token of prompt 1 ends completions only as an extra id; the first id is one never produced.
  const auto& reference = free_run.completions[1].token_ids;
  const int64_t extra = reference[3];
  const size_t first_extra = std::find(reference.begin(), reference.end(), extra) - reference.begin();
  config.eos_token_id = unused;
  config.extra_eos_token_ids = {extra};
  RolloutEngine engine(make_model(config), nullptr);
  auto options = greedy_options(10);
  options.stop_at_eos = true;
  EXPECT_EQ(engine.end_token_ids(options),
            (std::vector<int64_t>{std::min(unused, extra), std::max(unused, extra)}));
  auto stopped = engine.generate(kPrompts, options);
  const auto& completion = stopped.completions[1];
  EXPECT_EQ(completion.finish_reason, FinishReason::kEos);
  ASSERT_EQ(completion.token_ids.size(), first_extra + 1);
  EXPECT_EQ(completion.token_ids.back(), extra);
  for (const auto& c : stopped.completions) {
    EXPECT_EQ(c.finish_reason == FinishReason::kEos, c.token_ids.back() == extra);
  }
  options.eos_token_id = unused;  // an explicit end token replaces the config's list
  EXPECT_EQ(engine.end_token_ids(options), (std::vector<int64_t>{unused}));
  EXPECT_EQ(engine.generate(kPrompts, options).completions[1].finish_reason, FinishReason::kLength);
}

// generation_config.json's eos ids, given to the engine, end completions as the config's do.
TEST(RolloutEngine, GenerationEosIdsEndCompletions) {
  ModelConfig config = rollout_config();
  const auto free_run = RolloutEngine(make_model(config), nullptr).generate(kPrompts, greedy_options(10));
  std::vector<bool> produced(config.vocab_size, false);
  for (const auto& c : free_run.completions) {
    for (int64_t token : c.token_ids) produced[token] = true;
  }
  const int64_t unused = std::find(produced.begin(), produced.end(), false) - produced.begin();
  ASSERT_LT(unused, config.vocab_size) << "greedy decoding produced every id";
  const auto& reference = free_run.completions[1].token_ids;
  const int64_t end = reference[3];
  const size_t first_end = std::find(reference.begin(), reference.end(), end) - reference.begin();
  config.eos_token_id = unused;  // so that only the generation id can end a completion
  auto model = make_model(config);
  auto options = greedy_options(10);
  options.stop_at_eos = true;
  EXPECT_EQ(RolloutEngine(model, nullptr).generate(kPrompts, options).completions[1].token_ids, reference);

  RolloutEngine engine(model, nullptr, {end});
  EXPECT_EQ(engine.end_token_ids(options),
            (std::vector<int64_t>{std::min(unused, end), std::max(unused, end)}));
  const auto stopped = engine.generate(kPrompts, options).completions[1];
  EXPECT_EQ(stopped.finish_reason, FinishReason::kEos);
  EXPECT_EQ(stopped.token_ids, std::vector<int64_t>(reference.begin(), reference.begin() + first_end + 1));
  EXPECT_THROW(RolloutEngine(model, nullptr, {config.vocab_size}), Error);
}

TEST(RolloutEngine, ContextBoundsTheLength) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  std::vector<int64_t> long_prompt(60, 4);
  auto result = engine.generate({long_prompt}, greedy_options(50));
  EXPECT_EQ(result.completions[0].token_ids.size(), 4u);  // 64 - 60
  EXPECT_EQ(result.completions[0].finish_reason, FinishReason::kLength);
}

TEST(RolloutEngine, BadPromptsGiveClearErrors) {
  auto model = make_model(rollout_config());
  RolloutEngine engine(model, nullptr);
  auto expect_error = [&](const std::vector<std::vector<int64_t>>& prompts, const std::string& fragment) {
    try {
      engine.generate(prompts, greedy_options(4));
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error({{1, 2}, {}}, "prompt 1 is empty");
  expect_error({std::vector<int64_t>(64, 3)}, "has 64 tokens but the model's context is 64");
  expect_error({{1, 64}}, "outside the vocabulary");
  GenerationOptions options = greedy_options(4);
  options.sampling.temperature = 1.0;
  options.sampling.top_p = 1.5;
  EXPECT_THROW(engine.generate(kPrompts, options), Error);
}

TEST(RolloutEngine, StopStringsEndCompletionsWithRealTokenizer) {
  auto data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: no SentencePiece model to decode with";
  auto tokenizer = load_tokenizer(data / "sentencepiece" / "test_model.model");
  auto model = make_model(rollout_config(tokenizer->vocab_size()));
  RolloutEngine engine(model, tokenizer.get());
  auto options = greedy_options(30);
  std::vector<std::vector<int64_t>> prompts = {{1, 50, 60, 70}};
  auto free_run = engine.generate(prompts, options);
  const std::string full_text = free_run.completions[0].text;
  ASSERT_GT(full_text.size(), 12u) << full_text;
  // Stop at a piece of the text produced around its middle.
  std::string stop = full_text.substr(full_text.size() / 2, 3);
  size_t stop_at = full_text.find(stop);
  options.stop_strings = {stop};
  auto stopped = engine.generate(prompts, options);
  const auto& completion = stopped.completions[0];
  EXPECT_EQ(completion.finish_reason, FinishReason::kStop);
  EXPECT_EQ(completion.text, full_text.substr(0, stop_at + stop.size()));
  EXPECT_LT(completion.token_ids.size(), free_run.completions[0].token_ids.size());
}

}  // namespace
}  // namespace grpo

namespace grpo {
namespace {

TEST(RolloutEngine, PaddedModelVocabularyNeverSamplesIdsTheTokenizerLacks) {
  auto data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: no SentencePiece model to decode with";
  auto tokenizer = load_tokenizer(data / "sentencepiece" / "test_model.model");
  auto config = rollout_config(tokenizer->vocab_size() + 64);
  Transformer model(config);
  initialize_weights(*model, 11, 0.3);
  {  // make the padded ids the most likely ones, so that only the engine's mask keeps them out
    torch::NoGradGuard no_grad;
    model->lm_head->weight.narrow(0, tokenizer->vocab_size(), 64).mul_(50.0);
  }
  RolloutEngine engine(model, tokenizer.get());
  GenerationOptions options;
  options.num_samples = 4;
  options.max_new_tokens = 12;
  options.stop_at_eos = false;
  for (double temperature : {0.0, 1.0}) {
    options.sampling.temperature = temperature;
    auto result = engine.generate({{1, 40, 41}}, options);
    for (const auto& completion : result.completions) {
      for (int64_t id : completion.token_ids) EXPECT_LT(id, tokenizer->vocab_size());
    }
  }
}

}  // namespace
}  // namespace grpo
