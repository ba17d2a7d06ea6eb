// Drawing training problems straight from a task generator, endlessly, with the eval problems held out: the
// eval set is generated from its own seed and any training problem with the same question is skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "datasets/example_source.h"
#include "datasets/task_generator.h"

namespace grpo {

class TaskSource : public ExampleSource {
 public:
  // `held_out`: questions never to hand out (the eval set's).
  TaskSource(const TaskGenerator& task, Difficulty difficulty, uint64_t seed,
             std::unordered_set<std::string> held_out = {});

  std::vector<Example> next_batch(size_t count) override;
  nlohmann::json cursor() const override;
  void restore(const nlohmann::json& cursor) override;
  std::optional<size_t> size() const override { return std::nullopt; }
  std::string describe() const override;

  uint64_t next_index() const { return next_index_; }
  size_t skipped() const { return skipped_; }  // problems passed over because they are held out

 private:
  const TaskGenerator& task_;
  Difficulty difficulty_;
  uint64_t seed_;
  std::unordered_set<std::string> held_out_;
  uint64_t next_index_ = 0;
  size_t skipped_ = 0;
};

// `count` problems of stream `seed`, indices 0..count-1 (duplicates included: each index is one problem).
std::vector<Example> generate_examples(const TaskGenerator& task, const Difficulty& difficulty, uint64_t seed,
                                       size_t count);

// `count` distinct problems of stream `seed` (a repeated question is skipped); throws when the difficulty
// does not have that many distinct problems.
std::vector<Example> generate_distinct_examples(const TaskGenerator& task, const Difficulty& difficulty,
                                                uint64_t seed, size_t count);

struct TaskSplit {
  std::unique_ptr<TaskSource> train;
  std::vector<Example> eval;  // distinct problems from eval_seed; none of them is ever drawn for training
};
// Throws when the two seeds are equal.
TaskSplit make_task_split(const TaskGenerator& task, const Difficulty& difficulty, uint64_t train_seed,
                          uint64_t eval_seed, size_t eval_count);

}  // namespace grpo
