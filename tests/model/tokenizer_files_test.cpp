// The tokenizer and generation files that travel with a model directory.
#include "model/tokenizer_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/files.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using grpo::testing::TempDir;
using grpo::testing::write_text;

TEST(TokenizerFiles, CopiesEveryTokenizerAndGenerationFileAndNothingElse) {
  TempDir dir;
  fs::create_directories(dir / "source");
  const std::vector<std::string> present{
      "tokenizer.json", "tokenizer_config.json",   "generation_config.json", "vocab.json",
      "merges.txt",     "special_tokens_map.json", "tokenizer.model",        "chat_template.jinja"};
  for (const auto& name : present) write_text(dir / "source" / name, "contents of " + name);
  for (const char* other : {"config.json", "model.safetensors", "README.md"})
    write_text(dir / "source" / other, "x");
  fs::create_directories(dir / "target");

  const auto copied = copy_tokenizer_files(dir / "source", dir / "target");
  EXPECT_EQ(copied.size(), present.size());
  for (const auto& name : present) EXPECT_EQ(read_file(dir / "target" / name), "contents of " + name) << name;
  for (const char* other : {"config.json", "model.safetensors", "README.md"}) {
    EXPECT_FALSE(fs::exists(dir / "target" / other)) << other;
  }
  EXPECT_TRUE(copy_tokenizer_files(dir / "source", dir / "source").empty())
      << "same directory: nothing to do";
  EXPECT_EQ(read_file(dir / "source" / "tokenizer.json"), "contents of tokenizer.json");
}

}  // namespace
}  // namespace grpo
