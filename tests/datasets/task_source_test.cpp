// Drawing problems straight from a generator: eval problems (from their own seed) never reach training, the
// cursor restores the same next batches, and a difficulty too small for the eval set is explained.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "datasets/task_source.h"

namespace grpo {
namespace {

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "in: " << (text)

std::vector<std::string> ids(const std::vector<Example>& examples) {
  std::vector<std::string> out;
  for (const auto& example : examples) out.push_back(example.id);
  return out;
}

TEST(TaskSource, EvalProblemsNeverReachTraining) {
  // A small problem space (3 boxes of 3 colours, one operation) so that the two seeds do collide.
  for (const std::string task_name : {"box_stacking", "arithmetic", "countdown"}) {
    const TaskGenerator& task = find_task(task_name);
    std::string spec = task_name == "box_stacking" ? "boxes=3,ops=1,colours=4"
                       : task_name == "arithmetic" ? "digits=1,terms=2"
                                                   : "numbers=2,values=1-6,target=1-12";
    Difficulty difficulty = task.difficulty(spec);
    TaskSplit split = make_task_split(task, difficulty, /*train_seed=*/1, /*eval_seed=*/2, /*eval_count=*/30);
    ASSERT_EQ(split.eval.size(), 30u);
    std::set<std::string> eval_questions;
    for (const auto& example : split.eval) eval_questions.insert(example.question);
    EXPECT_EQ(eval_questions.size(), 30u) << "eval problems are distinct";
    for (const auto& example : split.train->next_batch(2000)) {
      ASSERT_EQ(eval_questions.count(example.question), 0u) << task_name << ": " << example.question;
    }
    // Without holding out, the training stream of this small space would have drawn eval problems.
    EXPECT_GT(split.train->skipped(), 0u) << task_name;
  }
}

TEST(TaskSource, EvalSetComesFromTheEvalSeedOnly) {
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty difficulty = task.difficulty("medium");
  TaskSplit a = make_task_split(task, difficulty, 1, 77, 10);
  TaskSplit b = make_task_split(task, difficulty, 5, 77, 10);
  EXPECT_EQ(ids(a.eval), ids(b.eval));  // the training seed does not change the eval set
  EXPECT_EQ(a.eval[0].id, "box_stacking:77:0");
  EXPECT_THROW(make_task_split(task, difficulty, 3, 3, 10), Error);
}

TEST(TaskSource, CursorRestoresTheSameNextBatches) {
  const TaskGenerator& task = find_task("arithmetic");
  Difficulty difficulty = task.difficulty("digits=1,terms=2");
  TaskSplit original = make_task_split(task, difficulty, 1, 2, 20);
  original.train->next_batch(16);
  original.train->next_batch(16);
  nlohmann::json saved = nlohmann::json::parse(original.train->cursor().dump());
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < 4; ++i) expected.push_back(ids(original.train->next_batch(16)));

  TaskSplit resumed = make_task_split(task, difficulty, 1, 2, 20);
  resumed.train->restore(saved);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ids(resumed.train->next_batch(16)), expected[i]);

  TaskSplit other = make_task_split(task, task.difficulty("digits=2,terms=2"), 1, 2, 20);
  try {
    other.train->restore(saved);
    ADD_FAILURE() << "restored onto another difficulty";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "it was saved with difficulty");
  }
}

TEST(TaskSource, TooFewDistinctProblemsIsExplained) {
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty tiny = task.difficulty("boxes=1,ops=0,colours=2");  // only "red" or "blue"
  try {
    generate_distinct_examples(task, tiny, 1, 10);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "only 2 distinct problems");
  }
  TaskSource starved(task, tiny, 1,
                     {task.generate(5, 0, tiny).question, task.generate(5, 1, tiny).question,
                      "There is one box: a single red box. What is the stack now? Give the colours "
                      "from bottom to top, separated by spaces.",
                      "There is one box: a single blue box. What is the stack now? Give the colours "
                      "from bottom to top, separated by spaces."});
  EXPECT_THROW(starved.next_batch(1), Error);
}

TEST(TaskSource, GenerateExamplesIsIndexedAndReproducible) {
  const TaskGenerator& task = find_task("countdown");
  Difficulty difficulty = task.difficulty("easy");
  std::vector<Example> first = generate_examples(task, difficulty, 3, 25);
  std::vector<Example> again = generate_examples(task, difficulty, 3, 25);
  ASSERT_EQ(first.size(), 25u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].row, again[i].row);
    EXPECT_EQ(first[i].row["index"], i);
    EXPECT_EQ(first[i].row["seed"], 3);
    EXPECT_EQ(first[i].row["difficulty"], difficulty.canonical());
  }
}

}  // namespace
}  // namespace grpo
