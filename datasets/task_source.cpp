#include "datasets/task_source.h"

#include <fmt/format.h>

#include "core/error.h"

namespace grpo {

namespace {
// A training stream that finds nothing new in this many problems in a row has run out of problems.
constexpr size_t kMaxConsecutiveSkips = 10000;
}  // namespace

TaskSource::TaskSource(const TaskGenerator& task, Difficulty difficulty, uint64_t seed,
                       std::unordered_set<std::string> held_out)
    : task_(task), difficulty_(std::move(difficulty)), seed_(seed), held_out_(std::move(held_out)) {}

std::vector<Example> TaskSource::next_batch(size_t count) {
  std::vector<Example> batch;
  batch.reserve(count);
  size_t consecutive_skips = 0;
  while (batch.size() < count) {
    Example example = task_.generate(seed_, next_index_++, difficulty_);
    if (held_out_.count(example.question) > 0) {
      ++skipped_;
      if (++consecutive_skips >= kMaxConsecutiveSkips) {
        fail(
            "task '{}' at difficulty {}: the last {} problems were all held out for evaluation; the "
            "difficulty "
            "has too few distinct problems: raise it or hold out fewer",
            task_.name(), difficulty_.canonical(), consecutive_skips);
      }
      continue;
    }
    consecutive_skips = 0;
    batch.push_back(std::move(example));
  }
  return batch;
}

nlohmann::json TaskSource::cursor() const {
  return {{"kind", "task"},
          {"task", task_.name()},
          {"seed", seed_},
          {"difficulty", difficulty_.canonical()},
          {"held_out", held_out_.size()},
          {"next_index", next_index_},
          {"skipped", skipped_}};
}

void TaskSource::restore(const nlohmann::json& cursor) {
  try {
    auto expect = [&](const char* key, const nlohmann::json& now) {
      if (cursor.at(key) != now) {
        fail(
            "cannot restore the data cursor of task '{}': it was saved with {} {}, this run has {}; resume "
            "with "
            "the same task, seed, difficulty and eval size",
            task_.name(), key, cursor.at(key).dump(), now.dump());
      }
    };
    expect("kind", "task");
    expect("task", task_.name());
    expect("seed", seed_);
    expect("difficulty", difficulty_.canonical());
    expect("held_out", held_out_.size());
    next_index_ = cursor.at("next_index").get<uint64_t>();
    skipped_ = cursor.at("skipped").get<size_t>();
  } catch (const nlohmann::json::exception& e) {
    fail("cannot restore the data cursor of task '{}': the saved cursor is malformed ({}): {}", task_.name(),
         e.what(), cursor.dump());
  }
}

std::string TaskSource::describe() const {
  return fmt::format("task {} ({}), seed {}, problem {}, {} held out", task_.name(), difficulty_.canonical(),
                     seed_, next_index_, held_out_.size());
}

std::vector<Example> generate_examples(const TaskGenerator& task, const Difficulty& difficulty, uint64_t seed,
                                       size_t count) {
  std::vector<Example> examples;
  examples.reserve(count);
  for (uint64_t index = 0; index < count; ++index) examples.push_back(task.generate(seed, index, difficulty));
  return examples;
}

std::vector<Example> generate_distinct_examples(const TaskGenerator& task, const Difficulty& difficulty,
                                                uint64_t seed, size_t count) {
  std::vector<Example> examples;
  examples.reserve(count);
  std::unordered_set<std::string> seen;
  uint64_t limit = 20 * static_cast<uint64_t>(count) + 1000;
  for (uint64_t index = 0; examples.size() < count; ++index) {
    if (index >= limit) {
      fail(
          "task '{}' at difficulty {}: only {} distinct problems found in {} tries, fewer than the {} asked "
          "for; "
          "raise the difficulty or ask for fewer",
          task.name(), difficulty.canonical(), examples.size(), limit, count);
    }
    Example example = task.generate(seed, index, difficulty);
    if (seen.insert(example.question).second) examples.push_back(std::move(example));
  }
  return examples;
}

TaskSplit make_task_split(const TaskGenerator& task, const Difficulty& difficulty, uint64_t train_seed,
                          uint64_t eval_seed, size_t eval_count) {
  if (train_seed == eval_seed && eval_count > 0) {
    fail("the eval seed ({}) equals the training seed: give the generated eval set a seed of its own",
         eval_seed);
  }
  TaskSplit split;
  split.eval = generate_distinct_examples(task, difficulty, eval_seed, eval_count);
  std::unordered_set<std::string> held_out;
  for (const auto& example : split.eval) held_out.insert(example.question);
  split.train = std::make_unique<TaskSource>(task, difficulty, train_seed, std::move(held_out));
  return split;
}

}  // namespace grpo
