// Start-up warnings when the data does not fit the tokenizer or the length budget, measured with the tiny
// model's real SentencePiece tokenizer (trained on English-like words and numbers).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evaluation_fixture.h"
#include "trainer/data_fit.h"

namespace grpo {
namespace {

std::vector<Example> problems_of(const std::vector<std::string>& questions) {
  std::vector<Example> problems;
  for (const std::string& question : questions) {
    Example example;
    example.id = std::to_string(problems.size());
    example.question = question;
    example.answer = "1";
    example.row = {{"question", question}, {"answer", "1"}};
    problems.push_back(example);
  }
  return problems;
}

TEST(DataFit, InDomainPromptsGiveNoWarning) {
  const auto& tiny = testing::tiny_model_directory();
  const auto problems = problems_of({"how many books are there on the stack", "what is 12 plus 30"});
  const DataFit fit = measure_data_fit(*tiny.tokenizer, builtin_template("plain"), problems, 16, 512);
  EXPECT_EQ(fit.prompts, 2u);
  EXPECT_LT(fit.unknown_rate, 0.01);
  EXPECT_GT(fit.characters_per_token, 1.5);
  EXPECT_EQ(fit.over_budget, 0u);
  EXPECT_TRUE(data_fit_warnings(fit, 16, 512).empty());
}

TEST(DataFit, TextTheTokenizerNeverSawIsSaidToNotFit) {
  const auto& tiny = testing::tiny_model_directory();
  // Characters absent from the tokenizer's training text: <unk> pieces, and a split into near single letters.
  const auto problems =
      problems_of({"Ÿ€§ ¿Qué? ЖЗИЙ ΩΨΦ 東京 ÆØÅ", "Schrödinger’s Katze — ÄÖÜ ß ¡Hola! 日本"});
  const DataFit fit = measure_data_fit(*tiny.tokenizer, builtin_template("plain"), problems, 16, 512);
  // This tokenizer falls back to bytes: no <unk>, but the text falls apart into single bytes.
  EXPECT_LT(fit.characters_per_token, 1.5);
  const std::vector<std::string> warnings = data_fit_warnings(fit, 16, 512);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("not made for this data"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("grpo tokenizer train"), std::string::npos) << warnings[0];
  DataFit unknown = fit;  // a tokenizer without byte fallback: <unk> pieces instead
  unknown.unknown_rate = 0.3;
  unknown.characters_per_token = 3;
  const std::vector<std::string> unknown_warnings = data_fit_warnings(unknown, 16, 512);
  ASSERT_EQ(unknown_warnings.size(), 1u);
  EXPECT_NE(unknown_warnings[0].find("30.0% of the prompt tokens are unknown"), std::string::npos)
      << unknown_warnings[0];
}

TEST(DataFit, PromptsThatLeaveNoRoomForTheCompletionAreCounted) {
  const auto& tiny = testing::tiny_model_directory();
  std::string long_question;
  for (int i = 0; i < 40; ++i) long_question += "the red box is on top of the blue box ";
  const auto problems = problems_of({long_question, "what is 1 plus 2"});
  const DataFit fit = measure_data_fit(*tiny.tokenizer, builtin_template("plain"), problems, 256, 512);
  EXPECT_EQ(fit.over_budget, 1u);
  EXPECT_GT(fit.max_tokens, 256);
  const std::vector<std::string> warnings = data_fit_warnings(fit, 256, 512);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("1 of 2 prompts"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("completion limit (256 tokens)"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace grpo
