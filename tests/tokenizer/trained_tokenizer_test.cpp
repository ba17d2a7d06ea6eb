// Tokenizers trained by train_sentencepiece: reserved ids as documented, the reasoning tags as single ids,
// exact round trips (identity normalisation and byte fallback), training from JSONL dataset fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "core/error.h"
#include "error_message.h"
#include "test_support.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer_test_data.h"
#include "tokenizer/train_sentencepiece.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

namespace fs = std::filesystem;

const std::string kCompletion =
    "<think>\nShe has 12 apples and buys 30 more: 12 + 30 = 42.\n</think>\n<answer>42</answer>";

int64_t count(const std::vector<int64_t>& ids, int64_t id) {
  return std::count(ids.begin(), ids.end(), id);
}

class TrainedTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainedTokenizer, KeepsReasoningTagsAsSingleIds) {
  testing::TempDir temp;
  SentencePieceTrainOptions options;
  options.text_files = {testing::training_text(temp.path())};
  options.output = temp / "model" / "tokenizer.model";
  options.vocab_size = 1000;
  options.model_type = GetParam();
  options.threads = 2;
  const auto trained = train_sentencepiece(options);
  ASSERT_TRUE(fs::exists(options.output));

  // What was written is what was returned.
  const auto tokenizer = load_tokenizer(temp / "model");
  EXPECT_EQ(tokenizer->vocab_size(), trained->vocab_size());
  EXPECT_EQ(tokenizer->unk_id(), kTrainedUnkId);
  EXPECT_EQ(tokenizer->bos_id(), kTrainedBosId);
  EXPECT_EQ(tokenizer->eos_id(), kTrainedEosId);
  EXPECT_EQ(tokenizer->pad_id(), kTrainedPadId);
  EXPECT_EQ(tokenizer->id_to_piece(kTrainedPadId), "<pad>");
  const std::vector<std::string> tags = reasoning_special_tokens();
  for (size_t i = 0; i < tags.size(); ++i)
    EXPECT_EQ(tokenizer->piece_to_id(tags[i]), 4 + static_cast<int64_t>(i));
  EXPECT_EQ(tokenizer->special_tokens(), (std::vector<std::string>{"<s>", "</s>", "<pad>", "<think>",
                                                                   "</think>", "<answer>", "</answer>"}));

  for (const auto& tag : tags) {
    const int64_t tag_id = tokenizer->piece_to_id(tag);
    const auto alone = tokenizer->encode(tag);
    EXPECT_EQ(count(alone, tag_id), 1) << tag;
    // At most a leading word-boundary piece besides the tag itself.
    EXPECT_LE(alone.size(), 2u) << tag;
    const auto glued = tokenizer->encode("x" + tag + "y");
    EXPECT_EQ(count(glued, tag_id), 1) << tag << " inside a word";
  }
  const auto ids = tokenizer->encode(kCompletion);
  for (const auto& tag : tags) EXPECT_EQ(count(ids, tokenizer->piece_to_id(tag)), 1) << tag;
  EXPECT_EQ(count(ids, tokenizer->unk_id()), 0);
}

INSTANTIATE_TEST_SUITE_P(ModelTypes, TrainedTokenizer, ::testing::Values("unigram", "bpe", "char"));

// Identity normalisation, kept whitespace and byte fallback: any text survives, including characters never
// seen.
TEST_P(TrainedTokenizer, RoundTripsTextWithTagsExactly) {
  testing::TempDir temp;
  SentencePieceTrainOptions options;
  options.text_files = {testing::training_text(temp.path())};
  options.output = temp / "tokenizer.model";
  options.vocab_size = 1000;
  options.model_type = GetParam();
  options.threads = 2;
  const auto tokenizer = train_sentencepiece(options);
  for (const std::string& text :
       {kCompletion, std::string("  two leading spaces,\ttab,  double  space, trailing \n"),
        std::string("Unicode: café, naïve, 東京, emoji 🙂, <think>nested <answer>x</answer></think>"),
        std::string("<answer>\n-3.5\n</answer>")}) {
    EXPECT_EQ(tokenizer->decode(tokenizer->encode(text)), text);
  }
}

TEST(TrainSentencePiece, FromGsm8kFieldsRoundTripsEveryTestQuestion) {
  const fs::path data = testing::shared_data_dir();
  if (data.empty() || !fs::exists(data / "gsm8k" / "train.jsonl")) {
    GTEST_SKIP() << "../shared/data/gsm8k is absent";
  }
  testing::TempDir temp;
  SentencePieceTrainOptions options;
  options.jsonl_files = {data / "gsm8k" / "train.jsonl"};
  options.jsonl_fields = {"question", "answer"};
  options.output = temp / "tokenizer.model";
  options.vocab_size = 2000;
  options.max_sentences = 10000;  // a sample keeps the test fast; byte fallback keeps it lossless anyway
  options.threads = 2;
  const auto tokenizer = train_sentencepiece(options);

  const auto questions = testing::gsm8k_test_questions(2000);
  ASSERT_GT(questions.size(), 1000u);
  size_t total_ids = 0;
  for (const auto& question : questions) {
    const auto ids = tokenizer->encode(question);
    total_ids += ids.size();
    ASSERT_EQ(tokenizer->decode(ids), question);
  }
  // Digits are split, so "1234" is four ids; the vocabulary learned from GSM8K keeps questions short still.
  EXPECT_EQ(tokenizer->encode("1234").size(), 5u);  // "▁" + four digits
  EXPECT_LT(static_cast<double>(total_ids) / questions.size(), 80.0);
}

TEST(TrainSentencePiece, ReadsNumbersAndMultiLineFieldsFromJsonl) {
  testing::TempDir temp;
  // Digits appear only in the numeric field, 'z' and 'q' only in the multi-line one.
  std::string rows;
  const std::vector<std::string> fruits = {"apples",   "pears",  "plums", "melons",
                                           "cherries", "grapes", "lemons"};
  for (int i = 0; i < 300; ++i) {
    rows += R"({"prompt": "Add the )" + fruits[i % fruits.size()] + R"( to the basket.", "target": )" +
            std::to_string(i * 37) + R"(, "note": "zebra\nquartz", "ignored": "XYZ"})" + "\n";
  }
  testing::write_text(temp / "data.jsonl", rows);
  SentencePieceTrainOptions options;
  options.jsonl_files = {temp / "data.jsonl"};
  options.jsonl_fields = {"prompt", "target", "note"};
  options.output = temp / "tokenizer.model";
  options.vocab_size = 45;
  options.byte_fallback = false;  // so that characters the corpus lacks show as <unk>
  options.threads = 2;
  const auto tokenizer = train_sentencepiece(options);
  const auto ids = tokenizer->encode("<think>Add 1234567890 apples to the zebra quartz basket.</think>");
  EXPECT_EQ(count(ids, tokenizer->unk_id()), 0);
  EXPECT_EQ(count(ids, tokenizer->piece_to_id("<think>")), 1);
  EXPECT_GE(count(tokenizer->encode("XYZ"), tokenizer->unk_id()), 1) << "a field not asked for was read";
}

TEST(TrainSentencePiece, BadJsonlRowsNameFileLineAndField) {
  testing::TempDir temp;
  SentencePieceTrainOptions options;
  options.output = temp / "tokenizer.model";
  options.vocab_size = 300;
  options.jsonl_fields = {"question"};

  const fs::path missing_field = temp / "missing.jsonl";
  testing::write_text(missing_field, "{\"question\": \"ok\"}\n\n{\"problem\": \"x\", \"answer\": \"y\"}\n");
  options.jsonl_files = {missing_field};
  std::string message = error_of([&] { train_sentencepiece(options); });
  EXPECT_NE(message.find(missing_field.string() + ":3: no field 'question'"), std::string::npos) << message;
  EXPECT_NE(message.find("(the row has: answer, problem)"), std::string::npos) << message;

  const fs::path broken = temp / "broken.jsonl";
  testing::write_text(broken, "{\"question\": \"ok\"}\n{\"question\": \"unterminated}\n");
  options.jsonl_files = {broken};
  message = error_of([&] { train_sentencepiece(options); });
  EXPECT_NE(message.find(broken.string() + ":2: not valid JSON"), std::string::npos) << message;

  const fs::path wrong_type = temp / "wrong_type.jsonl";
  testing::write_text(wrong_type, "{\"question\": [1, 2]}\n");
  options.jsonl_files = {wrong_type};
  message = error_of([&] { train_sentencepiece(options); });
  EXPECT_NE(message.find(wrong_type.string() + ":1: field 'question' is array"), std::string::npos)
      << message;

  EXPECT_FALSE(fs::exists(options.output)) << "a failed training must not leave a model behind";
}

TEST(TrainSentencePiece, RefusesBadOptionsClearly) {
  testing::TempDir temp;
  SentencePieceTrainOptions options;
  options.text_files = {testing::training_text(temp.path())};
  options.output = temp / "tokenizer.model";

  options.model_type = "wordpiece";
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("choose one of: unigram, bpe, char"),
            std::string::npos);
  options.model_type = "word";
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("would not stay single tokens"),
            std::string::npos);
  options.model_type = "unigram";

  options.vocab_size = 200;  // byte fallback alone needs 256 ids
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("vocabulary size 200 is too small"),
            std::string::npos);

  options.vocab_size = 1000000;  // SentencePiece's own refusal is passed on
  const std::string too_large = error_of([&] { train_sentencepiece(options); });
  EXPECT_NE(too_large.find("SentencePiece training"), std::string::npos) << too_large;
  EXPECT_NE(too_large.find("Vocabulary size too high"), std::string::npos) << too_large;

  options.vocab_size = 1000;
  options.text_files = {temp / "no-such-file.txt"};
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("no-such-file.txt' does not exist"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(options.output));
}

}  // namespace
}  // namespace grpo
