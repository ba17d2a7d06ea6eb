// The real SentencePiece model from ../shared/data loads and works in the same process as LibTorch (the
// protobuf clash of ENVIRONMENT.md, trap 1), and encodes exactly as SentencePiece's own spm_encode does.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "test_support.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_test_data.h"

namespace grpo {
namespace {

using testing::real_sentencepiece_model;

#define REQUIRE_REAL_MODEL()                          \
  const auto model_file = real_sentencepiece_model(); \
  if (model_file.empty()) GTEST_SKIP() << "../shared/data/sentencepiece/test_model.model is absent"

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::istringstream in(text);
  int64_t id = 0;
  while (in >> id) ids.push_back(id);
  return ids;
}

// Whitespace runs (including the no-break space U+00A0, which NFKC turns into a space) become one space.
std::string collapse_whitespace(std::string text) {
  for (size_t at = text.find("\xC2\xA0"); at != std::string::npos; at = text.find("\xC2\xA0", at)) {
    text.replace(at, 2, " ");
  }
  std::istringstream in(text);
  std::string word, result;
  while (in >> word) result += (result.empty() ? "" : " ") + word;
  return result;
}

TEST(RealSentencePieceModel, LoadsBesideLibTorch) {
  // LibTorch is live in this process before and after SentencePiece loads.
  const torch::Tensor before = torch::ones({2});
  ASSERT_EQ(before.sum().item<float>(), 2.0f);
  REQUIRE_REAL_MODEL();

  const auto tokenizer = load_tokenizer(model_file);
  EXPECT_EQ(tokenizer->vocab_size(), 1000);
  EXPECT_EQ(tokenizer->unk_id(), 0);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->pad_id(), -1);
  EXPECT_EQ(tokenizer->id_to_piece(0), "<unk>");
  EXPECT_EQ(tokenizer->id_to_piece(1), "<s>");
  EXPECT_EQ(tokenizer->id_to_piece(2), "</s>");

  const std::vector<int64_t> ids = tokenizer->encode("I saw a girl with a telescope.");
  const torch::Tensor as_tensor = torch::tensor(ids, torch::kLong);  // [T]
  EXPECT_EQ(as_tensor.size(0), static_cast<int64_t>(ids.size()));
  EXPECT_EQ(as_tensor.max().item<int64_t>(), *std::max_element(ids.begin(), ids.end()));
}

TEST(RealSentencePieceModel, PieceLookupsAndSpecialTokens) {
  REQUIRE_REAL_MODEL();
  const auto tokenizer = SentencePieceTokenizer::from_file(model_file);
  EXPECT_EQ(tokenizer->piece_to_id("<s>"), 1);
  EXPECT_EQ(tokenizer->piece_to_id("</s>"), 2);
  EXPECT_EQ(tokenizer->piece_to_id("<unk>"), 0);
  EXPECT_EQ(tokenizer->piece_to_id("no-such-piece-in-this-vocabulary"), -1);
  for (int64_t id = 0; id < tokenizer->vocab_size(); ++id) {
    ASSERT_EQ(tokenizer->piece_to_id(tokenizer->id_to_piece(id)), id)
        << "piece " << tokenizer->id_to_piece(id);
  }
  // This model has two control symbols (<s>, </s>) and no user-defined ones.
  EXPECT_EQ(tokenizer->special_tokens(), (std::vector<std::string>{"<s>", "</s>"}));
  EXPECT_TRUE(tokenizer->is_control(1));
  EXPECT_FALSE(tokenizer->is_control(0));
  EXPECT_FALSE(tokenizer->is_user_defined(1));
}

// Golden ids recorded from `spm_encode --output_format=id` (SentencePiece 0.1.97) on the same model.
TEST(RealSentencePieceModel, MatchesRecordedGoldenIds) {
  REQUIRE_REAL_MODEL();
  const auto tokenizer = load_tokenizer(model_file);
  EXPECT_EQ(tokenizer->encode("I saw a girl with a telescope."),
            (std::vector<int64_t>{9, 459, 11, 939, 44, 11, 4, 142, 82, 8, 28, 21, 132, 6}));
}

// The same, computed live by SentencePiece's own command-line tool in a separate process.
TEST(RealSentencePieceModel, MatchesSpmEncodeSubprocess) {
  REQUIRE_REAL_MODEL();
  if (testing::run_command("command -v spm_encode").exit_code != 0) {
    GTEST_SKIP() << "spm_encode (Debian package `sentencepiece`) is not installed";
  }
  std::vector<std::string> sentences = {"I saw a girl with a telescope.",
                                        "Hello world, this is a test of SentencePiece tokenization!"};
  for (const auto& question : testing::gsm8k_test_questions(20))
    sentences.push_back(collapse_whitespace(question));

  testing::TempDir temp;
  std::string all_text;
  for (const auto& sentence : sentences) all_text += sentence + "\n";
  testing::write_text(temp / "input.txt", all_text);
  const auto result = testing::run_command("spm_encode --model='" + model_file.string() +
                                           "' --output_format=id < '" + (temp / "input.txt").string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;

  const auto tokenizer = load_tokenizer(model_file);
  std::istringstream lines(result.output);
  std::string line;
  for (const auto& sentence : sentences) {
    ASSERT_TRUE(std::getline(lines, line)) << "spm_encode gave fewer lines than sentences: " << result.output;
    EXPECT_EQ(tokenizer->encode(sentence), parse_ids(line)) << sentence;
  }
}

TEST(RealSentencePieceModel, RoundTripsGsm8kQuestions) {
  REQUIRE_REAL_MODEL();
  const auto questions = testing::gsm8k_test_questions(2000);
  if (questions.empty()) GTEST_SKIP() << "../shared/data/gsm8k/test.jsonl is absent";
  const auto tokenizer = load_tokenizer(model_file);

  // This model was trained on a novel with NFKC normalisation: it collapses whitespace, and characters it
  // never saw (digits, '$') become <unk>. Questions it fully covers must come back as they were, whitespace
  // aside.
  int covered = 0;
  for (const auto& question : questions) {
    const auto ids = tokenizer->encode(question);
    ASSERT_FALSE(ids.empty());
    const std::string decoded = tokenizer->decode(ids);
    if (std::find(ids.begin(), ids.end(), tokenizer->unk_id()) != ids.end()) {
      EXPECT_NE(decoded, collapse_whitespace(question));  // the unknown characters are visibly lost
      continue;
    }
    ++covered;
    EXPECT_EQ(decoded, collapse_whitespace(question));
  }
  EXPECT_GE(covered, 100) << "too few GSM8K questions fully covered by the model to test the round trip";
}

TEST(RealSentencePieceModel, DecodeHandlesControlIdsAndRejectsOutOfRange) {
  REQUIRE_REAL_MODEL();
  const auto tokenizer = load_tokenizer(model_file);
  auto ids = tokenizer->encode("I saw a girl.");
  EXPECT_EQ(tokenizer->decode(ids), "I saw a girl.");
  ids.insert(ids.begin(), tokenizer->bos_id());
  ids.push_back(tokenizer->eos_id());
  EXPECT_EQ(tokenizer->decode(ids), "I saw a girl.");  // control symbols decode to nothing
  EXPECT_TRUE(tokenizer->encode("").empty());
  EXPECT_EQ(tokenizer->decode({}), "");

  for (const int64_t bad : {int64_t{1000}, int64_t{-1}, int64_t{1} << 40}) {
    try {
      tokenizer->decode({5, bad});
      FAIL() << "decoding id " << bad << " should fail";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("token id " + std::to_string(bad) + " at position 1"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("0 to 999"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(tokenizer->id_to_piece(1000), Error);
}

}  // namespace
}  // namespace grpo
