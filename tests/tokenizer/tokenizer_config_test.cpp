// tokenizer_config.json and generation_config.json: the real files of ../shared/data/tokenizers (Qwen3,
// DeepSeek-V3, Qwen2.5-Instruct), the other shapes transformers accepts, and one clear error per bad field.
#include "tokenizer/tokenizer_config.h"

#include <gtest/gtest.h>

#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using testing::error_of;
using testing::expect_mentions;

std::filesystem::path real_tokenizers() {
  auto shared = testing::shared_data_dir();
  return shared.empty() || !std::filesystem::is_directory(shared / "tokenizers") ? std::filesystem::path()
                                                                                 : shared / "tokenizers";
}

#define REQUIRE_REAL_TOKENIZERS()            \
  const auto tokenizers = real_tokenizers(); \
  if (tokenizers.empty()) GTEST_SKIP() << "../shared/data/tokenizers is absent"

TEST(TokenizerConfig, Qwen3PlainStringTokensAndTemplate) {
  REQUIRE_REAL_TOKENIZERS();
  auto config = find_tokenizer_config(tokenizers / "qwen3");
  ASSERT_TRUE(config.has_value());
  EXPECT_FALSE(config->bos_token.has_value());  // null in the file
  EXPECT_EQ(config->eos_token, "<|im_end|>");
  EXPECT_EQ(config->pad_token, "<|endoftext|>");
  EXPECT_FALSE(config->unk_token.has_value());
  EXPECT_EQ(config->add_bos_token, false);
  EXPECT_FALSE(config->add_eos_token.has_value());  // the file does not say
  EXPECT_EQ(config->model_max_length, 131072);
  ASSERT_GE(config->additional_special_tokens.size(), 2u);
  EXPECT_EQ(config->additional_special_tokens[0], "<|im_start|>");
  ASSERT_NE(config->chat_template(), nullptr);
  EXPECT_NE(config->chat_template()->find("enable_thinking"), std::string::npos);
  EXPECT_EQ(config->chat_template("tool_use"), nullptr);
}

TEST(TokenizerConfig, DeepSeekV3AddedTokenObjectsAndAddBos) {
  REQUIRE_REAL_TOKENIZERS();
  auto config = read_tokenizer_config(tokenizers / "deepseek_v3" / "tokenizer_config.json");
  EXPECT_EQ(config.bos_token,
            "<\xEF\xBD\x9C"
            "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  EXPECT_EQ(config.eos_token,
            "<\xEF\xBD\x9C"
            "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  EXPECT_EQ(config.pad_token, config.eos_token);
  EXPECT_EQ(config.add_bos_token, true);
  EXPECT_EQ(config.add_eos_token, false);
  ASSERT_NE(config.chat_template(), nullptr);
  EXPECT_EQ(config.chat_template()->rfind("{% if not add_generation_prompt is defined %}", 0), 0u);
}

TEST(TokenizerConfig, Qwen25InstructTemplate) {
  REQUIRE_REAL_TOKENIZERS();
  auto config =
      read_tokenizer_config(tokenizers / "torchtune_tiny" / "qwen2_5_instruct_tokenizer_config.json");
  ASSERT_NE(config.chat_template(), nullptr);
  EXPECT_NE(config.chat_template()->find("You are Qwen, created by Alibaba Cloud."), std::string::npos);
  EXPECT_EQ(config.eos_token, "<|im_end|>");
}

TEST(TokenizerConfig, NamedTemplateListAndUnboundedLength) {
  auto config = parse_tokenizer_config(
      R"({"chat_template": [{"name": "default", "template": "A"}, {"name": "tool_use", "template": "B"}],
          "model_max_length": 1000000000000000019884624838656, "unk_token": {"content": "<unk>"}})",
      "t.json");
  ASSERT_EQ(config.chat_templates.size(), 2u);
  EXPECT_EQ(*config.chat_template(), "A");
  EXPECT_EQ(*config.chat_template("tool_use"), "B");
  EXPECT_FALSE(config.model_max_length.has_value());
  EXPECT_EQ(config.unk_token, "<unk>");
}

TEST(TokenizerConfig, ChatTemplateJinjaFileReplacesTheDefault) {
  testing::TempDir dir;
  testing::write_text(dir / "tokenizer_config.json", R"({"chat_template": "old", "eos_token": "</s>"})");
  testing::write_text(dir / "chat_template.jinja", "new {{ messages }}");
  auto config = find_tokenizer_config(dir.path());
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(*config->chat_template(), "new {{ messages }}");
  EXPECT_FALSE(find_generation_config(dir.path()).has_value());
}

TEST(GenerationConfig, EosAsIntegerOrList) {
  auto single = parse_generation_config(R"({"bos_token_id": 1, "eos_token_id": 2})", "g.json");
  EXPECT_EQ(single.eos_token_ids, std::vector<int64_t>({2}));
  EXPECT_EQ(single.bos_token_id, 1);
  EXPECT_FALSE(single.pad_token_id.has_value());
  auto list =
      parse_generation_config(R"({"eos_token_id": [151645, 151643], "pad_token_id": 151643})", "g.json");
  EXPECT_EQ(list.eos_token_ids, std::vector<int64_t>({151645, 151643}));
  EXPECT_EQ(list.pad_token_id, 151643);
  EXPECT_TRUE(parse_generation_config("{}", "g.json").eos_token_ids.empty());
}

TEST(TokenizerConfigErrors, OneClearLineNamingTheFileAndField) {
  expect_mentions(error_of([] { parse_tokenizer_config("{\"eos_token\": ", "dir/tokenizer_config.json"); }),
                  {"dir/tokenizer_config.json", "not valid JSON"});
  expect_mentions(
      error_of([] { parse_tokenizer_config("{\"model_max_length\": 1e400}", "dir/tokenizer_config.json"); }),
      {"dir/tokenizer_config.json", "not valid JSON", "1e400"});
  expect_mentions(error_of([] { parse_tokenizer_config("[1]", "dir/tokenizer_config.json"); }),
                  {"dir/tokenizer_config.json", "object"});
  expect_mentions(
      error_of([] { parse_tokenizer_config(R"({"bos_token": 3})", "dir/tokenizer_config.json"); }),
      {"dir/tokenizer_config.json", "bos_token", "AddedToken", "3"});
  expect_mentions(error_of([] { parse_tokenizer_config(R"({"add_bos_token": "yes"})", "c.json"); }),
                  {"c.json", "add_bos_token", "true or false"});
  expect_mentions(error_of([] { parse_tokenizer_config(R"({"chat_template": 7})", "c.json"); }),
                  {"c.json", "chat_template", "string or a list"});
  expect_mentions(error_of([] { parse_tokenizer_config(R"({"chat_template": [{"name": "x"}]})", "c.json"); }),
                  {"c.json", "chat_template", "\"template\""});
  expect_mentions(error_of([] { parse_generation_config(R"({"eos_token_id": [1, "x"]})", "g.json"); }),
                  {"g.json", "eos_token_id[1]", "\"x\""});
  expect_mentions(error_of([] { read_tokenizer_config("/nonexistent/tokenizer_config.json"); }),
                  {"/nonexistent/tokenizer_config.json"});
}

}  // namespace
}  // namespace grpo
