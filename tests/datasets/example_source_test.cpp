// Drawing from a loaded data set: seeded shuffles per epoch, epochs, a cursor that restores exactly, the
// train/eval split, and open_training_data putting it together.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "datasets/data_split.h"
#include "datasets/shuffled_examples.h"
#include "datasets/training_data.h"
#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "in: " << (text)

std::vector<Example> numbered_examples(size_t count) {
  std::vector<Example> examples;
  for (size_t i = 0; i < count; ++i) {
    Example example;
    example.id = "row" + std::to_string(i);
    example.question = "question " + std::to_string(i);
    example.answer = std::to_string(i);
    example.row = {{"question", example.question}, {"answer", example.answer}};
    examples.push_back(example);
  }
  return examples;
}

std::vector<std::string> ids(const std::vector<Example>& examples) {
  std::vector<std::string> out;
  for (const auto& example : examples) out.push_back(example.id);
  return out;
}

TEST(ShuffledExamples, EachEpochIsAPermutationInAFreshSeededOrder) {
  ShuffledExamples source(numbered_examples(50), 7);
  std::vector<std::string> epoch1 = ids(source.next_batch(50));
  std::vector<std::string> epoch2 = ids(source.next_batch(50));
  EXPECT_EQ(source.epoch(), 2u);
  EXPECT_EQ(source.position(), 0u);
  std::vector<std::string> all = ids(numbered_examples(50));
  for (auto* epoch : {&epoch1, &epoch2}) {
    std::vector<std::string> sorted = *epoch;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> expected = all;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sorted, expected);  // every row exactly once per epoch
  }
  EXPECT_NE(epoch1, all);     // shuffled
  EXPECT_NE(epoch1, epoch2);  // a new order each epoch
}

TEST(ShuffledExamples, SameSeedSameOrderOtherSeedOtherOrder) {
  ShuffledExamples a(numbered_examples(40), 3);
  ShuffledExamples b(numbered_examples(40), 3);
  ShuffledExamples c(numbered_examples(40), 4);
  std::vector<std::string> from_a = ids(a.next_batch(100));
  EXPECT_EQ(from_a, ids(b.next_batch(100)));
  EXPECT_NE(from_a, ids(c.next_batch(100)));
}

TEST(ShuffledExamples, UnshuffledKeepsFileOrderAndEpochsRunOut) {
  ShuffledExamples source(numbered_examples(5), 1, /*epochs=*/2, /*shuffle=*/false);
  EXPECT_EQ(ids(source.next_batch(3)), (std::vector<std::string>{"row0", "row1", "row2"}));
  EXPECT_EQ(ids(source.next_batch(4)), (std::vector<std::string>{"row3", "row4", "row0", "row1"}));
  EXPECT_EQ(source.next_batch(10).size(), 3u);  // the rest of epoch 2
  EXPECT_TRUE(source.exhausted());
  EXPECT_TRUE(source.next_batch(4).empty());
}

TEST(ShuffledExamples, CursorRestoresTheSameNextBatches) {
  ShuffledExamples original(numbered_examples(23), 11);
  original.next_batch(8);
  original.next_batch(8);
  // Through text, as a checkpoint stores it.
  nlohmann::json saved = nlohmann::json::parse(original.cursor().dump());
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < 6; ++i)
    expected.push_back(ids(original.next_batch(8)));  // crosses two epoch boundaries

  ShuffledExamples resumed(numbered_examples(23), 11);
  resumed.restore(saved);
  EXPECT_EQ(resumed.epoch(), 0u);
  EXPECT_EQ(resumed.position(), 16u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ids(resumed.next_batch(8)), expected[i]) << "batch " << i;
}

TEST(ShuffledExamples, CursorRefusesOtherDataOrSettings) {
  ShuffledExamples original(numbered_examples(10), 5);
  original.next_batch(3);
  nlohmann::json saved = original.cursor();

  std::vector<Example> changed = numbered_examples(10);
  changed[4].answer = "changed";
  ShuffledExamples other_data(changed, 5);
  EXPECT_CONTAINS(error_of([&] { other_data.restore(saved); }), "fingerprint");
  ShuffledExamples other_size(numbered_examples(11), 5);
  EXPECT_CONTAINS(error_of([&] { other_size.restore(saved); }), "it was saved with size 10");
  ShuffledExamples other_seed(numbered_examples(10), 6);
  EXPECT_CONTAINS(error_of([&] { other_seed.restore(saved); }), "seed");
  ShuffledExamples same(numbered_examples(10), 5);
  EXPECT_CONTAINS(error_of([&] { same.restore({{"kind", "examples"}}); }), "malformed");
}

TEST(ShuffledExamples, EmptyIsRefused) {
  EXPECT_CONTAINS(error_of([] { ShuffledExamples source({}, 1); }), "empty data set");
}

TEST(DataSplit, HoldsOutASeededDisjointSubset) {
  DataSplit split = split_examples(numbered_examples(100), 10, 9);
  ASSERT_EQ(split.eval.size(), 10u);
  ASSERT_EQ(split.train.size(), 90u);
  std::set<std::string> eval_ids;
  for (const auto& example : split.eval) eval_ids.insert(example.id);
  std::set<std::string> every;
  for (const auto& example : split.train) {
    EXPECT_EQ(eval_ids.count(example.id), 0u) << example.id;
    every.insert(example.id);
  }
  every.insert(eval_ids.begin(), eval_ids.end());
  EXPECT_EQ(every.size(), 100u);
  EXPECT_EQ(ids(split_examples(numbered_examples(100), 10, 9).eval), ids(split.eval));
  EXPECT_NE(ids(split_examples(numbered_examples(100), 10, 10).eval), ids(split.eval));
  EXPECT_CONTAINS(error_of([] { split_examples(numbered_examples(5), 5, 1); }),
                  "nothing would be left to train on");
  EXPECT_EQ(eval_count_for_fraction(0.1, 100), 10u);
  EXPECT_EQ(eval_count_for_fraction(0.001, 100), 1u);
  EXPECT_EQ(eval_count_for_fraction(0.0, 100), 0u);
}

TEST(TrainingData, FileWithAHeldOutFraction) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "{\"question\": \"q" + std::to_string(i) + "\", \"answer\": \"" + std::to_string(i) + "\"}\n";
  testing::write_text(dir / "data.jsonl", text);
  DataSettings settings;
  settings.train = (dir / "data.jsonl").string();
  settings.eval_fraction = 0.25;
  settings.seed = 3;
  TrainingData data = open_training_data(settings);
  EXPECT_EQ(data.eval.size(), 10u);
  EXPECT_EQ(data.train->size(), std::optional<size_t>(30));
  std::set<std::string> eval_questions;
  for (const auto& example : data.eval) eval_questions.insert(example.question);
  for (const auto& example : data.train->next_batch(60))
    EXPECT_EQ(eval_questions.count(example.question), 0u);
  EXPECT_EQ(data.reward_name, "");
  ASSERT_FALSE(data.notes.empty());
  EXPECT_CONTAINS(data.notes[0], "40 rows");

  settings.eval = settings.train;  // a separate eval file: nothing held out
  settings.eval_fraction = 0;
  TrainingData separate = open_training_data(settings);
  EXPECT_EQ(separate.train->size(), std::optional<size_t>(40));
  EXPECT_EQ(separate.eval.size(), 40u);
}

TEST(TrainingData, TaskSourceWithGeneratedEvalHeldOut) {
  DataSettings settings;
  settings.train = "task:box_stacking";
  settings.difficulty = "easy";
  settings.eval_size = 20;
  settings.seed = 5;
  TrainingData data = open_training_data(settings);
  EXPECT_EQ(data.eval.size(), 20u);
  EXPECT_EQ(data.reward_name, "box_stacking");
  EXPECT_FALSE(data.train->size().has_value());
  std::set<std::string> eval_questions;
  for (const auto& example : data.eval) eval_questions.insert(example.question);
  for (const auto& example : data.train->next_batch(300))
    EXPECT_EQ(eval_questions.count(example.question), 0u);
  settings.train = "task:nope";
  EXPECT_CONTAINS(error_of([&] { open_training_data(settings); }), "box_stacking, arithmetic, countdown");
}

}  // namespace
}  // namespace grpo
