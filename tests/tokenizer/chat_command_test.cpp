// `grpo tokenizer chat`, run as a real subprocess: the real Qwen3 template renders a conversation file
// exactly as the reference did (tests/tokenizer/data/chat_template_vectors.json); a template that raises is
// one clear line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

#define REQUIRE_GRPO()                              \
  const fs::path grpo = testing::grpo_executable(); \
  if (!fs::exists(grpo)) GTEST_SKIP() << "the grpo executable is not built at " << grpo

ordered_json reference_case(const std::string& template_name, const std::string& case_name) {
  ordered_json vectors = ordered_json::parse(
      read_file(testing::source_dir() / "tests/tokenizer/data/chat_template_vectors.json"));
  for (const auto& entry : vectors["templates"][template_name])
    if (entry["name"] == case_name) return entry;
  ADD_FAILURE() << "no case " << case_name;
  return {};
}

TEST(TokenizerChatCommand, RendersQwen3LikeTheReference) {
  REQUIRE_GRPO();
  auto shared = testing::shared_data_dir();
  if (shared.empty() || !fs::exists(shared / "tokenizers" / "qwen3"))
    GTEST_SKIP() << "../shared/data/tokenizers is absent";
  testing::TempDir temp;
  const ordered_json entry = reference_case("qwen3", "enable_thinking_false_multi_turn");
  testing::write_text(temp / "conversation.json", entry["messages"].dump());
  const auto result = testing::run_command(
      quoted(grpo) + " --quiet tokenizer chat --model " + quoted(shared / "tokenizers" / "qwen3") +
      " --messages " + quoted(temp / "conversation.json") +
      " --add-generation-prompt --chat-template-kwargs enable_thinking=false");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, entry["expected"].get<std::string>());
}

TEST(TokenizerChatCommand, RaisingTemplateAndUnsupportedConstructAreOneLine) {
  REQUIRE_GRPO();
  testing::TempDir temp;
  testing::write_text(temp / "conversation.json", R"([{"role": "assistant", "content": "hi"}])");
  testing::write_text(
      temp / "tokenizer_config.json",
      R"({"chat_template": "{% if messages[0].role != 'user' %}{{ raise_exception('Start with a user message.') }}{% endif %}"})");
  auto result = testing::run_command(quoted(grpo) + " --quiet tokenizer chat --model " + quoted(temp.path()) +
                                     " --messages " + quoted(temp / "conversation.json") + " 2>&1");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("Start with a user message."), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("tokenizer_config.json chat template line 1"), std::string::npos)
      << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;

  testing::write_text(temp / "tokenizer_config.json", R"({"chat_template": "{% extends 'base.j2' %}"})");
  result = testing::run_command(quoted(grpo) + " --quiet tokenizer chat --model " + quoted(temp.path()) +
                                " --messages " + quoted(temp / "conversation.json") + " 2>&1");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("line 1, column 1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("extends"), std::string::npos) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

}  // namespace
}  // namespace grpo
