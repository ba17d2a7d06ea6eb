// --template chat in a checkpoint: prompt.json carries the system prompt, chat_template_kwargs and assistant
// prefix, and `grpo eval` / `grpo sample` (resolve_prompt_settings) rebuild the same prompt with the chat
// template of the checkpoint's model, each option overridable; a template that writes {{ bos_token }} itself
// gets one bos (encode_prompt), as transformers gives the model.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/files.h"
#include "datasets/chat_prompt.h"
#include "error_message.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "trainer/prompt_encoding.h"
#include "trainer/prompt_settings.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::expect_mentions;

fs::path shared_tokenizer(const std::string& name) {
  const fs::path shared = testing::shared_data_dir();
  return shared.empty() ? fs::path() : shared / "tokenizers" / name;
}

Example question(const std::string& text) {
  Example example;
  example.question = text;
  example.row = {{"question", text}};
  return example;
}

TEST(ChatPromptSettings, ACheckpointTrainedWithTheChatTemplateIsPromptedTheSameWay) {
  const fs::path qwen3 = shared_tokenizer("qwen3");
  if (qwen3.empty() || !fs::exists(qwen3)) GTEST_SKIP() << "../shared/data/tokenizers/qwen3 is absent";
  testing::TempDir dir;
  const fs::path checkpoint = dir / "step-00000002", model = checkpoint / "model";
  fs::create_directories(model);
  fs::copy_file(qwen3 / "tokenizer_config.json", model / "tokenizer_config.json");

  PromptSettings trained;
  trained.prompt_template =
      chat_prompt_template(model, chat_prompt_options("Answer briefly.", {"enable_thinking=false"}, ""));
  trained.stop_strings = {"<|im_end|>"};
  testing::write_text(model / kPromptSettingsFile, trained.to_json().dump(2));

  PromptRequest defaults;
  defaults.template_name = "r1";
  defaults.prefill = "";
  defaults.stop_strings = std::vector<std::string>{"</answer>"};
  const ResolvedPrompt resolved = resolve_prompt_settings(checkpoint, {}, defaults);
  ASSERT_TRUE(resolved.settings.prompt_template.is_chat());
  // Qwen3's template with a system message and enable_thinking=false (the reference vectors' system_user and
  // enable_thinking_false cases together).
  EXPECT_EQ(resolved.settings.prompt_template.render(question("Solve 12*12.")),
            "<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nSolve 12*12.<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(resolved.settings.stop_strings, trained.stop_strings);
  expect_mentions(resolved.note, {"template chat", "system prompt \"Answer briefly.\"",
                                  "chat_template_kwargs {\"enable_thinking\":false}"});

  PromptRequest given;  // each chat option overrides on its own; the others stay as trained
  given.system_prompt = "Show your work.";
  given.assistant_prefix = "<answer>";
  expect_mentions(resolve_prompt_settings(checkpoint, given, defaults).note,
                  {"chat_template_kwargs {\"enable_thinking\":false}",
                   "overridden by --system-prompt, --assistant-prefix"});
  EXPECT_EQ(
      resolve_prompt_settings(checkpoint, given, defaults).settings.prompt_template.render(question("1+1?")),
      "<|im_start|>system\nShow your work.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n"
      "<|im_start|>assistant\n<think>\n\n</think>\n\n<answer>");

  PromptRequest other_template;
  other_template.template_name = "plain";
  const ResolvedPrompt plain = resolve_prompt_settings(checkpoint, other_template, defaults);
  EXPECT_FALSE(plain.settings.prompt_template.is_chat());
  EXPECT_EQ(plain.settings.prompt_template.render(question("1+1?")), "1+1?");
  other_template.system_prompt = "x";
  expect_mentions(error_of([&] { resolve_prompt_settings(checkpoint, other_template, defaults); }),
                  {"--system-prompt", "--template chat", "'plain'"});
}

TEST(ChatPromptSettings, ATemplateThatWritesTheBosGetsOneBos) {
  const fs::path deepseek = shared_tokenizer("deepseek_v3");
  if (deepseek.empty() || !fs::exists(deepseek))
    GTEST_SKIP() << "../shared/data/tokenizers/deepseek_v3 is absent";
  const auto tokenizer = load_tokenizer(deepseek);
  ASSERT_EQ(tokenizer->bos_id(), 0) << "DeepSeek-V3's config asks for a bos";
  const PromptTemplate prompt = chat_prompt_template(deepseek, ChatPromptOptions{});
  const std::string rendered = prompt.render(question("What is 2 + 3?"));
  ASSERT_EQ(rendered.rfind("<\xef\xbd\x9c"
                           "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
                           0),
            0u)
      << rendered;
  const std::vector<int64_t> ids = encode_prompt(*tokenizer, rendered);
  // What transformers' apply_chat_template(tokenize=True) and TRL give: the text's own tokens, one bos.
  EXPECT_EQ(ids, tokenizer->encode(rendered));
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids[0], 0);
  EXPECT_NE(ids[1], 0);
  // A prompt without the bos still gets one from the tokenizer.
  EXPECT_EQ(encode_prompt(*tokenizer, "What is 2 + 3?").front(), 0);
}

}  // namespace
}  // namespace grpo
