// `grpo data generate` and `grpo data show` as a user runs them: the real executable in a subprocess. Skips
// when the executable has not been built in this build directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "datasets/dataset_loader.h"
#include "datasets/task_generator.h"
#include "datasets/task_source.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

#define REQUIRE_GRPO()                         \
  if (!fs::exists(testing::grpo_executable())) \
  GTEST_SKIP() << testing::grpo_executable() << " is not built (cmake --build ... --target grpo)"

TEST(DataCommand, GenerateWritesTheLibrarysProblemsAndTheyLoadBack) {
  REQUIRE_GRPO();
  testing::TempDir dir;
  fs::path out = dir / "boxes.jsonl";
  testing::CommandResult result = testing::run_command(
      testing::grpo_executable().string() +
      " data generate box_stacking --n 25 --seed 7 --difficulty hard,style=terse --out '" + out.string() +
      "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("wrote 25 box_stacking problems"), std::string::npos) << result.output;

  const TaskGenerator& task = find_task("box_stacking");
  std::vector<Example> expected = generate_examples(task, task.difficulty("hard,style=terse"), 7, 25);
  LoadedExamples loaded = load_examples(out);
  ASSERT_EQ(loaded.examples.size(), 25u);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(loaded.examples[i].question, expected[i].question);
    EXPECT_EQ(loaded.examples[i].answer, expected[i].answer);
    EXPECT_EQ(loaded.examples[i].row["stacks"], expected[i].row["stacks"]);
  }
}

TEST(DataCommand, HeldOutProblemsAreLeftOutOfTheFile) {
  REQUIRE_GRPO();
  testing::TempDir dir;
  fs::path out = dir / "train.jsonl";
  std::string spec = "numbers=2,values=1-6,target=1-12";
  testing::CommandResult result = testing::run_command(
      testing::grpo_executable().string() + " -q data generate countdown --n 300 --seed 1 --difficulty " +
      spec + " --hold-out-seed 2 --hold-out-n 20 --out '" + out.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const TaskGenerator& task = find_task("countdown");
  std::set<std::string> held_out;
  for (const auto& example : generate_distinct_examples(task, task.difficulty(spec), 2, 20)) {
    held_out.insert(example.question);
  }
  LoadedExamples loaded = load_examples(out);
  ASSERT_EQ(loaded.examples.size(), 300u);
  for (const auto& example : loaded.examples)
    EXPECT_EQ(held_out.count(example.question), 0u) << example.question;
}

TEST(DataCommand, ErrorsAreOneClearLine) {
  REQUIRE_GRPO();
  testing::CommandResult result =
      testing::run_command(testing::grpo_executable().string() + " -q data generate chess --n 3");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(
      result.output.find("unknown task 'chess'; the built-in tasks are: box_stacking, arithmetic, countdown"),
      std::string::npos)
      << result.output;
  testing::TempDir dir;
  testing::write_text(dir / "bad.jsonl", "{\"question\": \"q\", \"answer\": \"1\"}\n{oops\n");
  result = testing::run_command(testing::grpo_executable().string() + " -q data show '" +
                                (dir / "bad.jsonl").string() + "'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("bad.jsonl:2: not valid JSON"), std::string::npos) << result.output;
  result = testing::run_command(testing::grpo_executable().string() + " -q data show --skip-bad-rows '" +
                                (dir / "bad.jsonl").string() + "'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("1 row (jsonl)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("1 bad row skipped"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace grpo
