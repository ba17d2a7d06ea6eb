// Loading the real data files in ../shared/data (GSM8K, MATH-500, Countdown) with the right gold answers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "datasets/countdown_rules.h"
#include "datasets/dataset_loader.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

fs::path shared_file(const std::string& relative) {
  fs::path dir = testing::shared_data_dir();
  if (dir.empty()) return {};
  fs::path path = dir / relative;
  return fs::exists(path) ? path : fs::path();
}

#define REQUIRE_SHARED(path, relative)   \
  fs::path path = shared_file(relative); \
  if (path.empty()) GTEST_SKIP() << "../shared/data/" << relative << " is absent (set GRPO_SHARED_DATA)"

// The gold of a GSM8K worked answer, computed here independently: the text after "####", commas dropped.
std::string gsm8k_gold_by_hand(const std::string& worked) {
  std::string tail = worked.substr(worked.rfind("####") + 4);
  std::string gold;
  for (char c : tail) {
    if (c != ',' && c != ' ' && c != '\n') gold += c;
  }
  return gold;
}

TEST(ShippedData, Gsm8kTrainHasEveryRowWithTheNumberAfterHashes) {
  REQUIRE_SHARED(path, "gsm8k/train.jsonl");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 7473u);
  EXPECT_EQ(loaded.report.skipped, 0u);
  EXPECT_NE(loaded.report.mapping.find("gsm8k"), std::string::npos) << loaded.report.mapping;
  const Example& first = loaded.examples.front();
  EXPECT_EQ(first.id, "train.jsonl:1");
  EXPECT_EQ(first.answer, "72");
  EXPECT_EQ(first.question.rfind("Natalia sold clips to 48 of her friends", 0), 0u);
  EXPECT_EQ(first.row["answer"], "72");
  EXPECT_EQ(first.row["question"], first.question);
  // The worked solution travels with the row for rewards that want it.
  EXPECT_NE(first.row["original_answer"].get<std::string>().find("48+24 = <<48+24=72>>72"),
            std::string::npos);
  EXPECT_EQ(loaded.examples[1].answer, "10");
  EXPECT_EQ(loaded.examples[2].answer, "5");
  EXPECT_EQ(loaded.examples.back().answer, "50");
  EXPECT_EQ(loaded.examples.back().id, "train.jsonl:7473");
  std::regex integer("-?[0-9]+(\\.[0-9]+)?");
  for (const auto& example : loaded.examples) {
    ASSERT_EQ(example.answer, gsm8k_gold_by_hand(example.row["original_answer"].get<std::string>()))
        << example.id;
    ASSERT_TRUE(std::regex_match(example.answer, integer)) << example.id << ": " << example.answer;
  }
}

TEST(ShippedData, Gsm8kTestDropsThousandsSeparatorsAndKeepsSigns) {
  REQUIRE_SHARED(path, "gsm8k/test.jsonl");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 1319u);
  EXPECT_EQ(loaded.examples[0].answer, "18");
  EXPECT_EQ(loaded.examples[0].question.rfind("Janet\xE2\x80\x99s ducks lay 16 eggs per day.", 0), 0u);
  EXPECT_EQ(loaded.examples[2].answer, "70000");
  EXPECT_EQ(loaded.examples[146].id, "test.jsonl:147");
  EXPECT_EQ(loaded.examples[146].answer, "2125");  // "#### 2,125"
  EXPECT_EQ(loaded.examples[489].answer, "-10");   // "#### -10"
  EXPECT_EQ(loaded.examples.back().answer, "14");
  EXPECT_EQ(loaded.report.unreadable_golds, 0u) << loaded.report.summary();
}

TEST(ShippedData, Math500TakesTheAnswerFieldAndKeepsEveryOtherField) {
  REQUIRE_SHARED(path, "math500/test.jsonl");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 500u);
  EXPECT_NE(loaded.report.mapping.find("math"), std::string::npos) << loaded.report.mapping;
  const Example& first = loaded.examples[0];
  EXPECT_EQ(first.question.rfind("Convert the point $(0,3)$ in rectangular coordinates", 0), 0u);
  EXPECT_EQ(first.answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(first.row["subject"], "Precalculus");
  EXPECT_EQ(first.row["level"], 2);
  EXPECT_EQ(first.row["unique_id"], "test/precalculus/807.json");
  EXPECT_TRUE(first.row.contains("solution"));
  EXPECT_EQ(first.row["problem"], first.question);
  EXPECT_EQ(loaded.examples[1].answer, "p - q");
  EXPECT_EQ(loaded.examples[100].answer, "145^\\circ");
  EXPECT_EQ(loaded.examples[499].answer, "106^\\circ");
  // Every MATH-500 gold reads as an answer (short text answers such as \\text{Evelyn} included).
  EXPECT_EQ(loaded.report.unreadable_golds, 0u) << loaded.report.summary();
}

TEST(ShippedData, Math500BoxedSolutionsGiveTheSameGoldAsTheAnswerField) {
  REQUIRE_SHARED(path, "math500/test.jsonl");
  LoadOptions options;
  options.fields.question_field = "problem";
  options.fields.answer_field = "solution";
  options.fields.answer_format = "boxed";
  LoadedExamples from_solution = load_examples(path, options);
  LoadedExamples from_answer = load_examples(path);
  ASSERT_EQ(from_solution.examples.size(), 500u);
  for (size_t i = 0; i < 500; ++i) {
    ASSERT_EQ(from_solution.examples[i].answer, from_answer.examples[i].answer) << from_answer.examples[i].id;
    // The row's own `answer` equals the boxed gold here, so it stays as it was (no original_answer).
    EXPECT_FALSE(from_solution.examples[i].row.contains("original_answer"));
  }
}

TEST(ShippedData, CountdownRowsBecomeNumbersTargetAndAQuestionEverySolvable) {
  REQUIRE_SHARED(path, "countdown/cd3_test.jsonl");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 256u);
  EXPECT_NE(loaded.report.mapping.find("countdown"), std::string::npos) << loaded.report.mapping;
  const Example& first = loaded.examples[0];
  EXPECT_EQ(first.answer, "23");
  EXPECT_EQ(first.row["numbers"], nlohmann::json({30, 100, 93}));
  EXPECT_EQ(first.row["target"], 23);
  EXPECT_EQ(first.row["input"], "30,100,93");
  EXPECT_NE(first.question.find("[30, 100, 93]"), std::string::npos) << first.question;
  EXPECT_NE(first.question.find("equals 23"), std::string::npos) << first.question;
  EXPECT_EQ(loaded.examples[19].row["numbers"], nlohmann::json({92, 1, 1}));
  EXPECT_EQ(loaded.examples[19].answer, "46");
  EXPECT_EQ(loaded.examples.back().row["numbers"], nlohmann::json({21, 39, 89}));
  EXPECT_EQ(loaded.examples.back().answer, "71");
  for (const auto& example : loaded.examples) {
    auto numbers = example.row["numbers"].get<std::vector<int64_t>>();
    int64_t target = example.row["target"].get<int64_t>();
    auto solution = solve_countdown(numbers, target);
    ASSERT_TRUE(solution.has_value()) << example.id;
    std::string reason;
    ASSERT_TRUE(check_countdown_equation(*solution, numbers, target, &reason)) << *solution << ": " << reason;
  }
}

}  // namespace
}  // namespace grpo
