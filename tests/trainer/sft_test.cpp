// Supervised fine-tuning: the loss is taken on the completion tokens only (checked against a hand computation
// on a model whose logits depend on the current token alone); packed rows give the same loss and gradient as
// one example per row, and each example's hidden states as when it is alone; bad rows name the file and line.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "error_message.h"
#include "model/model_dir.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "trainer/prompt_encoding.h"
#include "trainer/sft_batch.h"
#include "trainer/sft_examples.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct SftSetup {
  testing::TempDir dir;
  fs::path model_dir = testing::make_model_dir(dir);
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(model_dir);
  Transformer model = load_model(model_dir, torch::kCPU);
  SftFormatter formatter{*tokenizer, {builtin_template("plain"), model_dir, {}, true}};

  SftExample example(const std::string& prompt, const std::string& completion) const {
    return formatter.format(json{{"prompt", prompt}, {"completion", completion}}, "test:1", "test:1");
  }
};

TEST(SftExamples, PromptTokensAreNotTrainedCompletionAndEosAre) {
  SftSetup setup;
  SftExample example = setup.example("put the red box", "on top");
  const auto prompt = encode_prompt(*setup.tokenizer, "put the red box");
  const auto completion = setup.tokenizer->encode("on top");
  ASSERT_EQ(example.ids.size(), prompt.size() + completion.size() + 1);
  EXPECT_EQ(example.ids.back(), setup.tokenizer->eos_id());
  for (size_t i = 0; i < example.ids.size(); ++i) {
    EXPECT_EQ(example.trained[i], i >= prompt.size() ? 1 : 0) << "token " << i;
  }
  SftFormatter everything(*setup.tokenizer, {builtin_template("plain"), setup.model_dir, {}, false});
  SftExample all =
      everything.format(json{{"prompt", "put the red box"}, {"completion", "on top"}}, "t:1", "t");
  EXPECT_EQ(all.trained_count(), static_cast<int64_t>(all.ids.size()) - 1);  // all but the first
}

TEST(SftLoss, CompletionOnlyMatchesAHandComputation) {
  SftSetup setup;
  // Attention and MLP outputs zeroed: the hidden state at t is RMSNorm(embedding of token t), so each
  // log-probability can be computed by hand from the embedding and the head.
  {
    torch::NoGradGuard no_grad;
    for (auto& item : setup.model->named_parameters()) {
      if (item.key().find("o_proj") != std::string::npos || item.key().find("down_proj") != std::string::npos)
        item.value().zero_();
    }
  }
  SftExample example = setup.example("the stack is red blue", "swap red and blue");
  SftLoss loss = sft_loss(*setup.model, unpacked_batch({&example}));

  torch::NoGradGuard no_grad;
  auto embedding = setup.model->model->embed_tokens->weight;  // [V, D]
  auto head = setup.model->lm_head->weight;                   // [V, D]
  const double eps = setup.model->config().rms_norm_eps;
  double completion_sum = 0, all_sum = 0;
  int64_t completion_count = 0;
  for (size_t t = 0; t + 1 < example.ids.size(); ++t) {
    auto h = embedding[example.ids[t]];
    h = h / torch::sqrt(h.pow(2).mean() + eps);
    auto logits = torch::mv(head, h).to(torch::kFloat64);
    const double nll = -(logits[example.ids[t + 1]] - torch::logsumexp(logits, 0)).item<double>();
    all_sum += nll;
    if (example.trained[t + 1]) {
      completion_sum += nll;
      ++completion_count;
    }
  }
  ASSERT_GT(completion_count, 2);
  EXPECT_EQ(loss.tokens, completion_count);
  EXPECT_NEAR(loss.loss.item<double>(), completion_sum / completion_count, 1e-5);
  // The prompt's tokens would change it: the mask matters.
  EXPECT_GT(
      std::abs(all_sum / static_cast<double>(example.ids.size() - 1) - completion_sum / completion_count),
      1e-3);
}

TEST(SftPacking, RowsHoldAtMostCapacityAndEveryExampleOnce) {
  const std::vector<int64_t> lengths = {5, 9, 3, 7, 2, 8, 1, 4};
  auto rows = pack_by_length(lengths, 10);
  std::vector<int> seen(lengths.size(), 0);
  for (const auto& row : rows) {
    int64_t used = 0;
    for (size_t index : row) {
      used += lengths[index];
      ++seen[index];
    }
    EXPECT_LE(used, 10);
  }
  for (int count : seen) EXPECT_EQ(count, 1);
  EXPECT_EQ(rows.size(), 4u);  // 39 positions in rows of 10: best fit needs no more than 4
  EXPECT_THROW(pack_by_length({11}, 10), Error);
}

TEST(SftPacking, PackedRowsGiveTheLossGradientAndHiddenStatesOfUnpackedOnes) {
  SftSetup setup;
  std::vector<SftExample> examples = {
      setup.example("put the red box", "on top of the blue box"),
      setup.example("swap", "red and green"),
      setup.example("the stack is red blue green", "move the top box"),
      setup.example("is the box on top", "red"),
  };
  std::vector<const SftExample*> all;
  std::vector<int64_t> lengths;
  for (const auto& example : examples) {
    all.push_back(&example);
    lengths.push_back(static_cast<int64_t>(example.ids.size()) - 1);
  }
  std::vector<std::vector<const SftExample*>> rows;
  for (const auto& row : pack_by_length(lengths, 24)) {
    rows.emplace_back();
    for (size_t index : row) rows.back().push_back(all[index]);
  }
  ASSERT_LT(rows.size(), examples.size());  // something was packed together

  auto gradients = [&](const SftBatch& batch, double& loss_value) {
    setup.model->zero_grad();
    SftLoss loss = sft_loss(*setup.model, batch);
    loss.loss.backward();
    loss_value = loss.loss.item<double>();
    std::vector<torch::Tensor> grads;
    for (auto& p : setup.model->parameters()) grads.push_back(p.grad().clone());
    return grads;
  };
  double unpacked_loss = 0, packed_loss = 0;
  const SftBatch unpacked = unpacked_batch(all);
  const SftBatch packed = packed_batch(rows);
  EXPECT_EQ(unpacked.trained_tokens, packed.trained_tokens);
  auto unpacked_grads = gradients(unpacked, unpacked_loss);
  auto packed_grads = gradients(packed, packed_loss);
  EXPECT_NEAR(unpacked_loss, packed_loss, 1e-5);
  double largest = 0, scale = 0;
  for (size_t i = 0; i < unpacked_grads.size(); ++i) {
    largest = std::max(largest, (unpacked_grads[i] - packed_grads[i]).abs().max().item<double>());
    scale = std::max(scale, unpacked_grads[i].abs().max().item<double>());
  }
  EXPECT_GT(scale, 1e-4);
  EXPECT_LT(largest, 1e-5) << "largest gradient difference; largest gradient " << scale;

  // The hidden states of the second example of a packed row equal those of the example alone.
  torch::NoGradGuard no_grad;
  for (const auto& row : rows) {
    if (row.size() < 2) continue;
    const SftExample& second = *row[1];
    const int64_t offset = static_cast<int64_t>(row[0]->ids.size()) - 1;
    const int64_t length = static_cast<int64_t>(second.ids.size()) - 1;
    SftBatch one = packed_batch({row});
    auto packed_hidden = setup.model->packed_hidden_states(one.input_ids, one.positions, one.segment_ids);
    SftBatch alone = unpacked_batch({&second});
    auto alone_hidden = setup.model->hidden_states(alone.input_ids, alone.positions, {});
    EXPECT_LT((packed_hidden.narrow(1, offset, length) - alone_hidden).abs().max().item<double>(), 1e-5);
    return;
  }
  ADD_FAILURE() << "no packed row holds two examples";
}

TEST(SftExamples, BadRowsNameTheFileAndLine) {
  SftSetup setup;
  const fs::path data = setup.dir / "rows.jsonl";
  auto error_for = [&](const std::string& text) {
    testing::write_text(data, text);
    try {
      read_sft_examples(data, setup.formatter, 64);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string good = "{\"prompt\": \"swap\", \"completion\": \"red\"}\n";
  std::string message = error_for(good + good + "{\"prompt\": \"swap\"}\n");
  EXPECT_NE(message.find(data.string() + ":3"), std::string::npos) << message;
  EXPECT_NE(message.find("\"completion\" must be a string"), std::string::npos) << message;
  message = error_for(good + "{\"prompt\": \"swap\", \n");
  EXPECT_NE(message.find(data.string() + ":2"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  message = error_for(good + "{\"text\": \"swap\"}\n");
  EXPECT_NE(message.find(":2: no \"prompt\""), std::string::npos) << message;
  message = error_for(
      "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", "
      "\"content\": \"b\"}, {\"role\": \"assistant\", \"content\": \"c\"}]}\n");
  EXPECT_NE(message.find(":1: with --template plain"), std::string::npos) << message;
}

TEST(SftExamples, ChatConversationsTrainEveryAssistantTurnOnly) {
  SftSetup setup;
  // A ChatML template of our own beside the fixture model.
  json config = {{"bos_token", nullptr},
                 {"eos_token", "</s>"},
                 {"chat_template",
                  "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|>\n{% endfor %}"
                  "{% if add_generation_prompt %}<|assistant|> {% endif %}"}};
  testing::write_text(setup.model_dir / "tokenizer_config.json", config.dump());
  PromptTemplate chat = load_prompt_template("chat", setup.model_dir, ChatPromptOptions{});
  SftFormatter formatter(*setup.tokenizer, {chat, setup.model_dir, {}, true});
  json row = {{"messages", json::array({json{{"role", "user"}, {"content", "swap red"}},
                                        json{{"role", "assistant"}, {"content", "blue green"}},
                                        json{{"role", "user"}, {"content", "and now"}},
                                        json{{"role", "assistant"}, {"content", "top box"}}})}};
  SftExample example = formatter.format(row, "chat.jsonl:1", "chat.jsonl:1");
  // The trained text, decoded run by run, is each assistant message with the template's end of turn.
  std::vector<std::string> trained_runs;
  std::vector<int64_t> run;
  for (size_t i = 0; i <= example.ids.size(); ++i) {
    if (i < example.ids.size() && example.trained[i]) {
      run.push_back(example.ids[i]);
    } else if (!run.empty()) {
      trained_runs.push_back(setup.tokenizer->decode(run));
      run.clear();
    }
  }
  ASSERT_EQ(trained_runs.size(), 2u);
  EXPECT_NE(trained_runs[0].find("blue green"), std::string::npos) << trained_runs[0];
  EXPECT_EQ(trained_runs[0].find("swap"), std::string::npos) << trained_runs[0];
  EXPECT_NE(trained_runs[1].find("top box"), std::string::npos) << trained_runs[1];
  EXPECT_EQ(trained_runs[1].find("and now"), std::string::npos) << trained_runs[1];
}

}  // namespace
}  // namespace grpo
