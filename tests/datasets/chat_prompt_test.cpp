// `--template chat`: the question becomes the user message of the model's own chat template, after an
// optional system prompt, with add_generation_prompt, template variables and an assistant prefix that ends
// the prompt. Real templates (Qwen3, Qwen2.5-Instruct, DeepSeek-V3) render as the Hugging Face reference
// does: the committed vectors of scripts/reference/chat_templates.mjs
// (tests/tokenizer/data/chat_template_vectors.json).
#include "datasets/chat_prompt.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/files.h"
#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using testing::error_of;
using testing::expect_mentions;

Example question(const std::string& text) {
  Example example;
  example.question = text;
  example.row = {{"problem", text}};  // the question field need not be called "question"
  return example;
}

// A model directory holding `config_file` as its tokenizer_config.json.
fs::path model_directory_with(const testing::TempDir& dir, const fs::path& config_file) {
  const fs::path model = dir / "model";
  fs::create_directories(model);
  fs::copy_file(config_file, model / "tokenizer_config.json");
  return model;
}

// Every reference conversation that --template chat can make ([system,] user, add_generation_prompt) rendered
// through chat_prompt_template: the system prompt and kwargs as the command line gives them.
void expect_chat_prompts_match_reference(const std::string& name, const fs::path& config_file) {
  if (config_file.empty() || !fs::exists(config_file)) {
    GTEST_SKIP() << "../shared/data/tokenizers is absent: no " << name << " tokenizer_config.json";
  }
  testing::TempDir dir;
  const fs::path model = model_directory_with(dir, config_file);
  const ordered_json vectors = ordered_json::parse(
      read_file(testing::source_dir() / "tests" / "tokenizer" / "data" / "chat_template_vectors.json"));
  size_t compared = 0;
  for (const auto& entry : vectors.at("templates").at(name)) {
    const auto& messages = entry.at("messages");
    const bool with_system = messages.size() == 2 && messages[0].at("role") == "system";
    if (!entry.at("add_generation_prompt").get<bool>() || !entry.contains("expected") ||
        messages.back().at("role") != "user" || messages.size() > (with_system ? 2u : 1u)) {
      continue;
    }
    SCOPED_TRACE(name + "/" + entry.at("name").get<std::string>());
    std::vector<std::string> kwargs;
    for (const auto& [key, value] : entry.at("kwargs").items()) kwargs.push_back(key + "=" + value.dump());
    const std::string system_prompt = with_system ? messages[0].at("content").get<std::string>() : "";
    const std::string user = messages.back().at("content").get<std::string>();
    const std::string expected = entry.at("expected").get<std::string>();

    PromptTemplate prompt =
        load_prompt_template("chat", model, chat_prompt_options(system_prompt, kwargs, ""));
    EXPECT_EQ(prompt.name, "chat");
    EXPECT_EQ(prompt.render(question(user)), expected);
    PromptTemplate thinking =
        load_prompt_template("chat", model, chat_prompt_options(system_prompt, kwargs, "<think>\\n"));
    EXPECT_EQ(thinking.render(question(user)), expected + "<think>\n");
    ++compared;
  }
  EXPECT_GE(compared, 5u) << "the reference vectors hold fewer chat-prompt conversations than expected";
}

fs::path tokenizers_dir() {
  const fs::path shared = testing::shared_data_dir();
  return shared.empty() ? fs::path() : shared / "tokenizers";
}

TEST(ChatPrompt, Qwen3RendersAsTheReference) {
  const fs::path tokenizers = tokenizers_dir();
  expect_chat_prompts_match_reference(
      "qwen3", tokenizers.empty() ? fs::path() : tokenizers / "qwen3" / "tokenizer_config.json");
}

TEST(ChatPrompt, Qwen25InstructRendersAsTheReference) {
  const fs::path tokenizers = tokenizers_dir();
  expect_chat_prompts_match_reference(
      "qwen2_5_instruct", tokenizers.empty()
                              ? fs::path()
                              : tokenizers / "torchtune_tiny" / "qwen2_5_instruct_tokenizer_config.json");
}

TEST(ChatPrompt, DeepSeekV3RendersAsTheReference) {
  const fs::path tokenizers = tokenizers_dir();
  expect_chat_prompts_match_reference(
      "deepseek_v3", tokenizers.empty() ? fs::path() : tokenizers / "deepseek_v3" / "tokenizer_config.json");
}

TEST(ChatPrompt, AssistantPrefixEndsThePromptAndTheTextIsAPreview) {
  testing::TempDir dir;
  testing::write_text(dir / "tokenizer_config.json",
                      R"({"bos_token": {"__type": "AddedToken", "content": "<s>"},
    "chat_template": "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}{% endfor %}{% if add_generation_prompt %}<assistant>{% if greeting is defined %}{{ greeting }}{% endif %}{% endif %}"})");
  const ChatPromptOptions options = chat_prompt_options("Be {brief}.", {"greeting=\"hi\""}, "<think>\\n");
  PromptTemplate prompt = load_prompt_template("chat", dir.path(), options);
  EXPECT_EQ(prompt.render(question("  Why {x}?  ")),
            "<s><system>Be {brief}.<user>Why {x}?<assistant>hi<think>\n");
  EXPECT_EQ(prompt.text, "<s><system>Be {{brief}}.<user>{question}<assistant>hi<think>\n");
  EXPECT_EQ(prompt.placeholders(), std::vector<std::string>({"question"}));
  EXPECT_NO_THROW(prompt.check_fields(question("q").row)) << "a chat prompt needs no field named question";

  // What a checkpoint stores (prompt.json) brings the same options back; the renderer comes from the model.
  const nlohmann::json stored = prompt.to_json();
  EXPECT_EQ(stored.at("chat").at("system_prompt"), "Be {brief}.");
  EXPECT_EQ(stored.at("chat").at("chat_template_kwargs").at("greeting"), "hi");
  EXPECT_EQ(stored.at("chat").at("assistant_prefix"), "<think>\n");
  const PromptTemplate read = PromptTemplate::from_json(stored);
  ASSERT_TRUE(read.is_chat());
  expect_mentions(error_of([&] { read.render(question("q")); }), {"chat", "model"});
  const PromptTemplate rebuilt =
      chat_prompt_template(dir.path(), ChatPromptOptions::from_json(read.chat_options));
  EXPECT_EQ(rebuilt.render(question("Why?")), prompt.render(question("Why?")));
}

TEST(ChatPrompt, ErrorsAreClear) {
  testing::TempDir dir;
  expect_mentions(error_of([&] { load_prompt_template("chat", dir.path(), ChatPromptOptions{}); }),
                  {dir.path().string(), "tokenizer_config.json", "--template"});
  expect_mentions(error_of([&] { load_prompt_template("r1", dir.path(), chat_prompt_options("x", {}, "")); }),
                  {"--system-prompt", "--template chat", "'r1'"});
  expect_mentions(error_of([&] { chat_prompt_options("", {"enable_thinking"}, ""); }),
                  {"--chat-template-kwargs", "enable_thinking", "key=value"});
  testing::write_text(dir / "tokenizer_config.json",
                      R"({"chat_template": "{{ raise_exception('System role not supported') }}"})");
  expect_mentions(error_of([&] { load_prompt_template("chat", dir.path(), ChatPromptOptions{}); }),
                  {"System role not supported"});
  expect_mentions(
      error_of([&] { load_prompt_template("no-such-template", dir.path(), ChatPromptOptions{}); }),
      {"no-such-template", "chat"});
}

}  // namespace
}  // namespace grpo
