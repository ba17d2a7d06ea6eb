// Missing and corrupt tokenizer files give one clear error naming the file; the shim is found where
// documented.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/files.h"
#include "test_support.h"
#include "tokenizer/sentencepiece_library.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_test_data.h"
#include "tokenizer/train_sentencepiece.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

std::string load_error(const fs::path& path) {
  try {
    load_tokenizer(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded without error)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A valid model's bytes: the real one when present, else one trained here on generated text.
std::string valid_model_bytes(const testing::TempDir& temp) {
  const fs::path real = testing::real_sentencepiece_model();
  if (!real.empty()) return read_file(real);
  SentencePieceTrainOptions options;
  options.text_files = {testing::training_text(temp.path())};
  options.output = temp / "valid.model";
  options.vocab_size = 600;
  options.threads = 2;
  train_sentencepiece(options);
  return read_file(options.output);
}

TEST(TokenizerErrors, MissingFileIsNamed) {
  testing::TempDir temp;
  const std::string message = load_error(temp / "absent.model");
  EXPECT_TRUE(contains(message, (temp / "absent.model").string() + "' does not exist")) << message;
}

TEST(TokenizerErrors, CorruptModelsAreNamedNotCrashed) {
  testing::TempDir temp;
  const std::string valid = valid_model_bytes(temp);
  std::mt19937 random(3);
  std::string noise(4096, '\0');
  for (char& byte : noise) byte = static_cast<char>(random());

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated.model", valid.substr(0, valid.size() / 2)},
      {"noise.model", noise},
      {"text.model", "this is not a sentencepiece model\n"},
      {"json.model", "{\"model\": {\"type\": \"BPE\"}}"},
      {"empty.model", ""},
  };
  for (const auto& [name, bytes] : cases) {
    testing::write_text(temp / name, bytes);
    const std::string message = load_error(temp / name);
    EXPECT_TRUE(contains(message, "SentencePiece model '" + (temp / name).string() + "'"))
        << name << ": " << message;
    EXPECT_TRUE(contains(message, ".model` file")) << name << ": " << message;  // the hint
  }
  // The valid bytes themselves load, so the failures above are about the corruption.
  testing::write_text(temp / "valid.model", valid);
  EXPECT_GT(load_tokenizer(temp / "valid.model")->vocab_size(), 0);
}

TEST(TokenizerErrors, ModelDirectoryWithoutTokenizer) {
  testing::TempDir temp;
  std::string message = load_error(temp.path());
  EXPECT_TRUE(
      contains(message, "'" + temp.path().string() + "' has no tokenizer (tokenizer.json, tokenizer.model"))
      << message;
  EXPECT_TRUE(contains(message, "grpo tokenizer train")) << message;

  testing::write_text(temp / "tokenizer.json", "{}");
  message = load_error(temp.path());
  EXPECT_TRUE(contains(message, (temp / "tokenizer.json").string() + " has no \"model\" object")) << message;
}

TEST(SentencePieceLibrary, SearchOrderAndBuildLocation) {
  const char* previous = std::getenv("GRPO_SENTENCEPIECE_LIB");
  const std::string saved = previous ? previous : "";
  ::setenv("GRPO_SENTENCEPIECE_LIB", "/custom/place/libgrpo_sentencepiece.so", 1);
  const auto candidates = sentencepiece_library_candidates();
  if (previous) {
    ::setenv("GRPO_SENTENCEPIECE_LIB", saved.c_str(), 1);
  } else {
    ::unsetenv("GRPO_SENTENCEPIECE_LIB");
  }
  ASSERT_GE(candidates.size(), 4u);
  EXPECT_EQ(candidates.front(), "/custom/place/libgrpo_sentencepiece.so");
  // The build tree's copy (beside the grpo executable) is among the candidates, and is what was opened here.
  const fs::path built = testing::binary_dir() / "libgrpo_sentencepiece.so";
  EXPECT_NE(std::find(candidates.begin(), candidates.end(), built), candidates.end());
  EXPECT_TRUE(fs::equivalent(sentencepiece_library().path, built)) << sentencepiece_library().path;
}

}  // namespace
}  // namespace grpo
