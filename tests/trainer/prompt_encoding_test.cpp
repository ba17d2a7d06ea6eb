// completion_after_prefill restores the word-boundary space SentencePiece drops at the start of a decoded
// completion.
#include <gtest/gtest.h>

#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "trainer/prompt_encoding.h"

namespace grpo {
namespace {

TEST(PromptEncoding, CompletionAfterPrefillKeepsTheWordBoundary) {
  auto data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: no SentencePiece model";
  auto tokenizer = load_tokenizer(data / "sentencepiece" / "test_model.model");
  auto ids = tokenizer->encode("the stack");  // first piece starts a word ("▁the")
  ASSERT_FALSE(ids.empty());
  std::string text = tokenizer->decode(ids);
  ASSERT_EQ(text, "the stack");
  EXPECT_EQ(completion_after_prefill(*tokenizer, "<think> now", ids, text), "<think> now the stack");
  EXPECT_EQ(completion_after_prefill(*tokenizer, "<think> now ", ids, text), "<think> now the stack");
  EXPECT_EQ(completion_after_prefill(*tokenizer, "", ids, text), "the stack");
  // A completion continuing a word (its first piece has no "▁") is joined as it is.
  auto inside = tokenizer->encode("thestack");
  std::vector<int64_t> tail(inside.begin() + 1, inside.end());
  if (!tail.empty() && tokenizer->id_to_piece(tail.front()).rfind("\xE2\x96\x81", 0) != 0) {
    EXPECT_EQ(completion_after_prefill(*tokenizer, "x", tail, tokenizer->decode(tail)),
              "x" + tokenizer->decode(tail));
  }
}

}  // namespace
}  // namespace grpo
