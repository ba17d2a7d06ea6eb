#include "app/problem_source.h"

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/dataset_loader.h"
#include "datasets/task_generator.h"
#include "datasets/task_source.h"
#include "datasets/training_data.h"

namespace grpo::app {

Problems read_problems(const ProblemSource& source) {
  Problems read;
  const std::string task = task_name_of(source.data);
  if (!task.empty()) {
    if (source.n == 0) fail("--n 0: a generated task needs a number of problems (e.g. --n 200)");
    const TaskGenerator& generator = find_task(task);
    read.problems =
        generate_distinct_examples(generator, generator.difficulty(source.difficulty), source.seed, source.n);
    read.default_reward = generator.reward_name();
    return read;
  }
  if (!source.difficulty.empty()) {
    fail("--difficulty '{}' applies to generated tasks (--data task:NAME), not to the data file '{}'",
         source.difficulty, source.data);
  }
  LoadOptions options;
  options.fields.question_field = source.question_field;
  options.fields.answer_field = source.answer_field;
  options.max_rows = source.n;
  options.skip_bad_rows = source.skip_bad_rows;
  LoadedExamples loaded = load_examples(source.data, options);
  if (loaded.report.unreadable_golds > 0 || loaded.report.skipped > 0) {
    fmt::print(stderr, "grpo: warning: {}\n", loaded.report.summary());
  }
  read.problems = std::move(loaded.examples);
  read.default_reward = "accuracy";
  return read;
}

}  // namespace grpo::app
