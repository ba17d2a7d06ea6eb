#include "datasets/training_data.h"

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/data_split.h"
#include "datasets/shuffled_examples.h"
#include "datasets/task_rewards.h"
#include "datasets/task_source.h"

namespace grpo {

std::string task_name_of(const std::string& source) {
  const std::string prefix = "task:";
  return source.rfind(prefix, 0) == 0 ? source.substr(prefix.size()) : "";
}

TrainingData open_training_data(const DataSettings& settings) {
  if (settings.train.empty()) fail("no training data given: name a data file or a task (task:box_stacking)");
  uint64_t eval_seed = settings.eval_seed != 0 ? settings.eval_seed : settings.seed + 1000003;
  register_task_rewards();  // rows generated earlier (a JSONL from `grpo data generate`) need them too
  TrainingData data;
  bool eval_done = settings.eval.empty();

  std::string task = task_name_of(settings.train);
  if (!task.empty()) {
    const TaskGenerator& generator = find_task(task);
    Difficulty difficulty = generator.difficulty(settings.difficulty);
    data.reward_name = generator.reward_name();
    // An eval set from the same task is drawn from the eval seed and held out of the training stream.
    bool same_task_eval = task_name_of(settings.eval) == task;
    size_t eval_count = settings.eval.empty() || same_task_eval ? settings.eval_size : 0;
    if (same_task_eval && eval_count == 0) eval_count = 200;
    if (same_task_eval) eval_done = true;
    TaskSplit split = make_task_split(generator, difficulty, settings.seed, eval_seed, eval_count);
    data.train = std::move(split.train);
    data.eval = std::move(split.eval);
    data.notes.push_back(
        fmt::format("task {} ({}), seed {}; {} eval problems from seed {}, held out of training", task,
                    difficulty.canonical(), settings.seed, data.eval.size(), eval_seed));
  } else {
    if (!settings.difficulty.empty() && task_name_of(settings.eval).empty()) {
      fail("a difficulty ('{}') applies to generated tasks only, not to the data file '{}'",
           settings.difficulty, settings.train);
    }
    LoadedExamples loaded = load_examples(settings.train, settings.load);
    data.notes.push_back(loaded.report.summary());
    std::vector<Example> train = std::move(loaded.examples);
    if (settings.eval.empty()) {
      size_t eval_count = settings.eval_size > 0
                              ? settings.eval_size
                              : eval_count_for_fraction(settings.eval_fraction, train.size());
      if (eval_count > 0) {
        DataSplit split = split_examples(std::move(train), eval_count, eval_seed);
        train = std::move(split.train);
        data.eval = std::move(split.eval);
        data.notes.push_back(
            fmt::format("{} rows held out for evaluation (seed {})", data.eval.size(), eval_seed));
      }
    }
    data.train = std::make_unique<ShuffledExamples>(std::move(train), settings.seed, settings.epochs,
                                                    settings.shuffle, settings.train);
  }

  if (!eval_done) {
    std::string eval_task = task_name_of(settings.eval);
    if (!eval_task.empty()) {
      const TaskGenerator& generator = find_task(eval_task);
      Difficulty difficulty = generator.difficulty(settings.difficulty);
      size_t count = settings.eval_size > 0 ? settings.eval_size : 200;
      data.eval = generate_distinct_examples(generator, difficulty, eval_seed, count);
      data.notes.push_back(
          fmt::format("eval: {} problems of task {} from seed {}", count, eval_task, eval_seed));
    } else {
      LoadedExamples loaded = load_examples(settings.eval, settings.load);
      data.notes.push_back("eval: " + loaded.report.summary());
      data.eval = std::move(loaded.examples);
      if (settings.eval_size > 0 && data.eval.size() > settings.eval_size)
        data.eval.resize(settings.eval_size);
    }
  }
  return data;
}

}  // namespace grpo
