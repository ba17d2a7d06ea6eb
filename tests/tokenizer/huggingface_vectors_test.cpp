// tokenizer.json (and GPT-2's vocab.json + merges.txt) encode and decode exactly as Hugging Face's Rust
// `tokenizers` does, on the golden vectors of scripts/reference/tokenizers/make_vectors.mjs (committed in
// tests/tokenizer/vectors/): GSM8K and MATH text, code, every Unicode category, whitespace and digit runs,
// and added tokens inside text, for Qwen3, DeepSeek-V3, GPT-2, the torchtune fixtures and Llama-3. A
// tokenizer whose file is absent (../shared, the npm module) is skipped; with node and the npm modules
// installed, the reference itself is re-run and must reproduce the committed vectors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

#include "core/files.h"
#include "test_support.h"
#include "tokenizer/huggingface/huggingface_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path vectors_dir() {
  return testing::source_dir() / "tests" / "tokenizer" / "vectors";
}

const std::vector<std::string>& vector_texts() {
  static const std::vector<std::string> texts =
      json::parse(read_file(vectors_dir() / "texts.json")).get<std::vector<std::string>>();
  return texts;
}

// The tokenizer file a vectors file names ("../shared/data/...", or a path in the checkout), or empty when
// absent.
fs::path tokenizer_file(const std::string& named) {
  const std::string shared_prefix = "../shared/data/";
  fs::path file = named.rfind(shared_prefix, 0) == 0
                      ? (testing::shared_data_dir().empty()
                             ? fs::path()
                             : testing::shared_data_dir() / named.substr(shared_prefix.size()))
                      : testing::source_dir() / named;
  return !file.empty() && fs::exists(file) ? file : fs::path();
}

std::string show(const std::vector<int64_t>& ids) {
  std::string text;
  for (int64_t id : ids) text += (text.empty() ? "" : " ") + std::to_string(id);
  return text;
}

class ReferenceVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceVectors, EncodeAndDecodeAsTheRustLibrary) {
  const json vectors = json::parse(read_file(vectors_dir() / (GetParam() + ".json")));
  const fs::path file = tokenizer_file(vectors["tokenizer"].get<std::string>());
  if (file.empty()) GTEST_SKIP() << vectors["tokenizer"].get<std::string>() << " is absent";
  const auto loaded = load_tokenizer(file);
  const auto* tokenizer = dynamic_cast<const HuggingFaceTokenizer*>(loaded.get());
  ASSERT_NE(tokenizer, nullptr);

  const auto& texts = vector_texts();
  const auto& indexes = vectors["texts"];
  // The real tokenizers: 2,000 strings or more; the synthetic ones (components the real ones lack) a third.
  ASSERT_GE(indexes.size(), GetParam().rfind("synthetic", 0) == 0 ? 1000u : 2000u);
  size_t encode_failures = 0, decode_failures = 0;
  for (size_t i = 0; i < indexes.size(); ++i) {
    const size_t index = indexes[i].get<size_t>();
    const std::string& text = texts.at(index);
    const auto expected = vectors["ids"][i].get<std::vector<int64_t>>();
    const auto ids = tokenizer->encode(text);
    if (ids != expected && ++encode_failures <= 5) {
      ADD_FAILURE() << GetParam() << " string " << index << " " << json(text).dump() << "\n  expected "
                    << show(expected) << "\n  got      " << show(ids);
    }
    const std::string key = std::to_string(index);
    const std::string decoded = vectors["decoded"].value(key, text);
    const std::string decoded_skip = vectors["decoded_skip"].value(key, decoded);
    if ((tokenizer->decode(expected, false) != decoded ||
         tokenizer->decode(expected, true) != decoded_skip) &&
        ++decode_failures <= 5) {
      ADD_FAILURE() << GetParam() << " decoding string " << index << " " << json(text).dump()
                    << "\n  expected " << json(decoded).dump() << " / " << json(decoded_skip).dump()
                    << "\n  got      " << json(tokenizer->decode(expected, false)).dump() << " / "
                    << json(tokenizer->decode(expected, true)).dump();
    }
  }
  EXPECT_EQ(encode_failures, 0u) << "of " << indexes.size() << " strings";
  EXPECT_EQ(decode_failures, 0u) << "of " << indexes.size() << " strings";

  const auto& with_special = vectors["with_special"];
  for (size_t i = 0; i < with_special.size(); ++i) {
    EXPECT_EQ(tokenizer->encode_with_special_tokens(texts.at(indexes[i].get<size_t>())),
              with_special[i].get<std::vector<int64_t>>())
        << "string " << indexes[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, ReferenceVectors,
                         ::testing::Values("qwen3", "deepseek_v3", "gpt2", "torchtune_qwen_style",
                                           "torchtune_llama3_style", "llama3", "synthetic_llama2_style",
                                           "synthetic_split_behaviors"));

// With node and the npm modules present, the Rust reference re-made now matches the committed vectors.
TEST(ReferenceVectors, ReferenceReproducesTheCommittedVectors) {
  const fs::path script_dir = testing::source_dir() / "scripts" / "reference" / "tokenizers";
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(script_dir / "node_modules" / "@anush008" / "tokenizers")) {
    GTEST_SKIP() << "the reference's npm modules are absent (cd " << script_dir.string() << " && npm ci)";
  }
  if (testing::shared_data_dir().empty()) GTEST_SKIP() << "../shared/data is absent";
  testing::TempDir temp;
  const auto result =
      testing::run_command("cd '" + script_dir.string() + "' && node make_vectors.mjs --check '" +
                           temp.path().string() + "' 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const auto& entry : fs::directory_iterator(vectors_dir())) {
    const fs::path made = temp / entry.path().filename().string();
    ASSERT_TRUE(fs::exists(made)) << made << "\n" << result.output;
    EXPECT_TRUE(read_file(made) == read_file(entry.path()))
        << entry.path().filename() << " differs from the reference's";
  }
}

}  // namespace
}  // namespace grpo
