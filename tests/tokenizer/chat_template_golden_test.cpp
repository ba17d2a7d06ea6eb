// Real chat templates (Qwen3, Qwen2.5-Instruct, DeepSeek-V3, Llama-3) render byte for byte as the independent
// reference renders them: tests/tokenizer/data/chat_template_vectors.json, written by
// scripts/reference/chat_templates.mjs with @huggingface/jinja. The comparison always runs against the
// committed vectors; when node and the reference's node modules are installed, the reference is re-run too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "test_support.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer_config.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

fs::path vectors_file() {
  return testing::source_dir() / "tests" / "tokenizer" / "data" / "chat_template_vectors.json";
}
fs::path reference_dir() {
  return testing::source_dir() / "scripts" / "reference";
}

fs::path tokenizers_dir() {
  auto shared = testing::shared_data_dir();
  return shared.empty() ? fs::path() : shared / "tokenizers";
}

// Where each template's tokenizer_config.json is; Llama-3's comes from the reference's node modules only.
fs::path config_of(const std::string& name) {
  if (name == "llama3")
    return reference_dir() / "node_modules" / "@lenml" / "tokenizer-llama3_1" / "models" /
           "tokenizer_config.json";
  auto tokenizers = tokenizers_dir();
  if (tokenizers.empty()) return {};
  if (name == "qwen3") return tokenizers / "qwen3" / "tokenizer_config.json";
  if (name == "deepseek_v3") return tokenizers / "deepseek_v3" / "tokenizer_config.json";
  if (name == "qwen2_5_instruct")
    return tokenizers / "torchtune_tiny" / "qwen2_5_instruct_tokenizer_config.json";
  return {};
}

ordered_json committed_vectors() {
  return ordered_json::parse(read_file(vectors_file()));
}

void expect_renders_like_reference(const std::string& name) {
  fs::path config_file = config_of(name);
  if (config_file.empty() || !fs::exists(config_file)) {
    GTEST_SKIP() << name << ": " << (config_file.empty() ? "../shared/data/tokenizers" : config_file.string())
                 << " is absent" << (name == "llama3" ? " (run `npm ci` in scripts/reference)" : "");
  }
  TokenizerConfig config = read_tokenizer_config(config_file);
  ASSERT_NE(config.chat_template(), nullptr);
  ChatTemplate chat_template(*config.chat_template(), name + " chat template");
  chat_template.set_special_tokens(config);
  const ordered_json cases = committed_vectors()["templates"][name];
  size_t compared = 0;
  for (const auto& entry : cases) {
    SCOPED_TRACE(name + "/" + entry["name"].get<std::string>());
    ASSERT_TRUE(entry.contains("expected")) << "the reference raised: " << entry.value("error", "");
    if (entry.contains("reference_differs_from_python")) continue;  // see chat_template_test.cpp
    std::string rendered =
        chat_template.apply(entry["messages"], entry["add_generation_prompt"].get<bool>(), entry["kwargs"]);
    EXPECT_EQ(rendered, entry["expected"].get<std::string>());
    ++compared;
  }
  EXPECT_GE(compared, 20u) << "fewer conversations than the issue asks for";
}

TEST(ChatTemplateGolden, Qwen3) {
  expect_renders_like_reference("qwen3");
}
TEST(ChatTemplateGolden, Qwen25Instruct) {
  expect_renders_like_reference("qwen2_5_instruct");
}
TEST(ChatTemplateGolden, DeepSeekV3) {
  expect_renders_like_reference("deepseek_v3");
}
TEST(ChatTemplateGolden, Llama3) {
  expect_renders_like_reference("llama3");
}

TEST(ChatTemplateGolden, VectorsCoverThinkingCases) {
  const ordered_json qwen3 = committed_vectors()["templates"]["qwen3"];
  std::string all;
  for (const auto& entry : qwen3) all += entry["expected"].get<std::string>();
  // enable_thinking=false adds an empty think block; an earlier turn's <think> block is dropped.
  EXPECT_NE(all.find("<|im_start|>assistant\n<think>\n\n</think>\n\n"), std::string::npos);
  EXPECT_EQ(all.find("6*7 = 42"), std::string::npos);
}

TEST(ChatTemplateGolden, ReferenceReproducesTheCommittedVectors) {
  if (std::system("node --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(reference_dir() / "node_modules" / "@huggingface" / "jinja") ||
      !fs::exists(config_of("llama3")))
    GTEST_SKIP() << "the reference's node modules are absent (run `npm ci` in scripts/reference)";
  if (tokenizers_dir().empty()) GTEST_SKIP() << "../shared/data/tokenizers is absent";
  testing::TempDir dir;
  auto result =
      testing::run_command("cd '" + reference_dir().string() + "' && node chat_templates.mjs '" +
                           tokenizers_dir().string() + "' > '" + (dir / "vectors.json").string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ordered_json::parse(read_file(dir / "vectors.json")), committed_vectors())
      << "the reference renders differently from the committed vectors: regenerate them (see the script)";
}

}  // namespace
}  // namespace grpo
