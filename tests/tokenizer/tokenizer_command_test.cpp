// `grpo tokenizer train / encode / decode / info`, run as a real subprocess of the built `grpo` executable.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_test_data.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

TEST(TokenizerCommand, TrainEncodeDecodeInfo) {
  const fs::path grpo = testing::grpo_executable();
  if (!fs::exists(grpo))
    GTEST_SKIP() << "the grpo executable is not built at " << grpo << " (build target `grpo`)";
  testing::TempDir temp;
  const fs::path model = temp / "tiny" / "tokenizer.model";

  const auto train = testing::run_command(quoted(grpo) + " --quiet --threads 2 tokenizer train --input " +
                                          quoted(testing::training_text(temp.path())) +
                                          " --vocab-size 700 --model-type bpe --out " + quoted(model));
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("<think> = 4"), std::string::npos) << train.output;
  const auto tokenizer = load_tokenizer(model);
  EXPECT_EQ(tokenizer->vocab_size(), 700);

  const std::string text = "<think>The teacher counts 42 books.</think><answer>42</answer>";
  const auto encode = testing::run_command(quoted(grpo) + " --quiet tokenizer encode --model " +
                                           quoted(temp / "tiny") + " '" + text + "'");
  ASSERT_EQ(encode.exit_code, 0) << encode.output;
  std::string expected;
  for (int64_t id : tokenizer->encode(text)) expected += (expected.empty() ? "" : " ") + std::to_string(id);
  EXPECT_EQ(encode.output, expected + "\n");

  const auto decode = testing::run_command("echo '" + expected + "' | " + quoted(grpo) +
                                           " --quiet tokenizer decode --model " + quoted(model));
  ASSERT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_EQ(decode.output, text + "\n");

  const auto info = testing::run_command(quoted(grpo) + " --quiet tokenizer info --model " + quoted(model));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("vocabulary 700; unk 0, bos 1, eos 2, pad 3"), std::string::npos) << info.output;
}

TEST(TokenizerCommand, CorruptModelIsOneClearErrorLine) {
  const fs::path grpo = testing::grpo_executable();
  if (!fs::exists(grpo))
    GTEST_SKIP() << "the grpo executable is not built at " << grpo << " (build target `grpo`)";
  testing::TempDir temp;
  testing::write_text(temp / "broken.model", "definitely not a model");
  const auto result = testing::run_command(quoted(grpo) + " --quiet tokenizer encode --model " +
                                           quoted(temp / "broken.model") + " hi");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output.rfind(
                "grpo: error: cannot load SentencePiece model '" + (temp / "broken.model").string(), 0),
            0u)
      << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

}  // namespace
}  // namespace grpo
