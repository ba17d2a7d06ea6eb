// `grpo data`: generate problems of a built-in task as JSONL (`generate`), look at a data file as the trainer
// will read it (`show`), and list the tasks with their difficulty knobs (`tasks`).
#include <fmt/format.h>

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>

#include "app/command.h"
#include "core/error.h"
#include "core/files.h"
#include "datasets/dataset_loader.h"
#include "datasets/prompt_template.h"
#include "datasets/task_generator.h"
#include "datasets/task_source.h"

namespace grpo::app {
namespace {

struct GenerateArguments {
  std::string task;
  size_t n = 1000;
  std::string difficulty;
  std::string out;
  uint64_t hold_out_seed = 0;
  size_t hold_out_n = 0;
  bool distinct = false;
};

struct ShowArguments {
  std::string file;
  size_t n = 3;
  std::string template_name = "r1";
  LoadOptions load;
};

// Writes JSONL rows to `path` through a temporary file renamed into place (or to stdout for "" or "-").
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::string& path) : path_(path) {
    if (to_stdout()) return;
    temporary_ = path_ + ".tmp." + std::to_string(::getpid());
    file_.open(temporary_, std::ios::binary | std::ios::trunc);
    if (!file_) fail("cannot write '{}'", temporary_);
  }
  ~JsonlWriter() {
    if (!temporary_.empty() && !committed_) std::filesystem::remove(temporary_);
  }
  void write(const nlohmann::json& row) {
    std::string line = row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (to_stdout()) {
      std::fwrite(line.data(), 1, line.size(), stdout);
    } else {
      file_ << line;
    }
  }
  void commit() {
    if (to_stdout()) {
      std::fflush(stdout);
      return;
    }
    file_.close();
    if (!file_) fail("error while writing '{}'", temporary_);
    sync_path(temporary_);
    rename_atomically(temporary_, path_);
    committed_ = true;
  }

 private:
  bool to_stdout() const { return path_.empty() || path_ == "-"; }
  std::string path_;
  std::string temporary_;
  std::ofstream file_;
  bool committed_ = false;
};

void run_generate(const GenerateArguments& arguments, const GlobalOptions& global) {
  const TaskGenerator& task = find_task(arguments.task);
  Difficulty difficulty = task.difficulty(arguments.difficulty);
  std::unordered_set<std::string> held_out;
  if (arguments.hold_out_n > 0) {
    if (arguments.hold_out_seed == global.seed) {
      fail("--hold-out-seed {} equals --seed: the held-out problems need a seed of their own", global.seed);
    }
    for (const auto& example :
         generate_distinct_examples(task, difficulty, arguments.hold_out_seed, arguments.hold_out_n)) {
      held_out.insert(example.question);
    }
  }
  TaskSource source(task, difficulty, global.seed, std::move(held_out));
  JsonlWriter writer(arguments.out);
  std::unordered_set<std::string> seen;
  size_t written = 0;
  size_t repeats = 0;
  while (written < arguments.n) {
    for (Example& example : source.next_batch(1)) {
      if (arguments.distinct && !seen.insert(example.question).second) {
        if (++repeats > 20 * arguments.n + 1000) {
          fail(
              "task {} at difficulty {} has fewer than {} distinct problems ({} found); raise the difficulty "
              "or "
              "lower --n",
              task.name(), difficulty.canonical(), arguments.n, written);
        }
        continue;
      }
      writer.write(example.row);
      ++written;
    }
  }
  writer.commit();
  if (!global.quiet) {
    fmt::print(stderr, "grpo: wrote {} {} problems ({}), seed {}{}{} to {}; verifier reward: {}\n", written,
               task.name(), difficulty.canonical(), global.seed,
               arguments.hold_out_n > 0
                   ? fmt::format(", {} held out from seed {} ({} skipped)", arguments.hold_out_n,
                                 arguments.hold_out_seed, source.skipped())
                   : "",
               arguments.distinct ? fmt::format(", {} repeats skipped", repeats) : "",
               arguments.out.empty() || arguments.out == "-" ? "stdout" : arguments.out, task.reward_name());
  }
}

void run_show(const ShowArguments& arguments) {
  PromptTemplate prompt_template = load_prompt_template(arguments.template_name);
  LoadedExamples loaded = load_examples(arguments.file, arguments.load);
  fmt::print("{}\n", loaded.report.summary());
  for (size_t i = 1; i < loaded.report.first_problems.size(); ++i) {
    fmt::print("  also skipped: {}\n", loaded.report.first_problems[i]);
  }
  for (size_t i = 0; i < arguments.n && i < loaded.examples.size(); ++i) {
    const Example& example = loaded.examples[i];
    std::vector<std::string> fields;
    for (const auto& item : example.row.items()) fields.push_back(item.key());
    fmt::print("\n--- {} (fields: {})\nprompt ({}):\n{}\ngold answer: {}\n", example.id,
               fmt::join(fields, ", "), prompt_template.name, prompt_template.render(example),
               example.answer);
  }
}

void run_tasks() {
  for (const TaskGenerator* task : all_tasks()) {
    fmt::print("{}: {}\n  reward: {}\n  knobs:\n", task->name(), task->summary(), task->reward_name());
    for (const auto& knob : task->knobs()) {
      fmt::print("    {:<8} {} (default {})\n", knob.name, knob.description, knob.default_value);
    }
    fmt::print("  presets:");
    for (const auto& [name, spec] : task->presets()) fmt::print(" {}={{{}}}", name, spec);
    Example example = task->generate(1, 0, task->difficulty("medium"));
    fmt::print("\n  example (medium, seed 1): {}\n  answer: {}\n\n", example.question, example.answer);
  }
}

void add_data_command(CLI::App& app, CommandContext& context) {
  CLI::App* data = app.add_subcommand("data", "Generate task problems, inspect data files, list the tasks");
  data->require_subcommand(1);

  auto generate = std::make_shared<GenerateArguments>();
  CLI::App* generate_command = data->add_subcommand(
      "generate",
      "Write problems of a built-in task as JSONL (one row per problem: question, answer, task metadata).\n"
      "The global --seed picks the problems: the same seed, difficulty and --n give the same file.\n"
      "Example: grpo data generate box_stacking --n 1000 --seed 1 --difficulty boxes=3-5,ops=2-4 --out "
      "train.jsonl");
  generate_command
      ->add_option("task", generate->task, "box_stacking, arithmetic or countdown (see `grpo data tasks`)")
      ->required();
  generate_command->add_option("--n", generate->n, "How many problems")->check(CLI::PositiveNumber);
  generate_command->add_option(
      "--difficulty", generate->difficulty,
      "A preset (easy, medium, hard) and/or knob=value pairs, e.g. hard,style=terse");
  generate_command->add_option("--out", generate->out, "Output JSONL file (default: stdout)");
  generate_command->add_option(
      "--hold-out-seed", generate->hold_out_seed,
      "Leave out every problem that seed's first --hold-out-n problems contain (an eval set)");
  generate_command->add_option("--hold-out-n", generate->hold_out_n,
                               "How many held-out problems (with --hold-out-seed)");
  generate_command->add_flag("--distinct", generate->distinct,
                             "Skip a problem whose question was already written");
  generate_command->callback([generate, &context] {
    context.action = [generate, &context] { run_generate(*generate, context.global); };
  });

  auto show = std::make_shared<ShowArguments>();
  CLI::App* show_command = data->add_subcommand("show",
                                                "Load a data file as training would (field recognition, gold "
                                                "answers) and print its first rows as prompts");
  show_command->add_option("file", show->file, "A JSONL, JSON, CSV or TSV file")->required();
  show_command->add_option("--n", show->n, "Rows to print");
  show_command->add_option("--template", show->template_name,
                           "r1, r1-think, plain, chatml, or a template file");
  show_command->add_option("--question-field", show->load.fields.question_field,
                           "Field holding the question");
  show_command->add_option("--answer-field", show->load.fields.answer_field, "Field holding the gold answer");
  show_command->add_option("--answer-format", show->load.fields.answer_format,
                           "How to read the answer field: auto, gsm8k (#### N), boxed, raw");
  show_command->add_option("--data-format", show->load.format, "auto, jsonl, json, csv, tsv");
  show_command->add_flag("--skip-bad-rows", show->load.skip_bad_rows, "Skip malformed rows and count them");
  show_command->callback([show, &context] { context.action = [show] { run_show(*show); }; });

  CLI::App* tasks_command =
      data->add_subcommand("tasks", "List the built-in tasks, their difficulty knobs and presets");
  tasks_command->callback([&context] { context.action = [] { run_tasks(); }; });
}

const CommandRegistration registration{"data", 50, add_data_command};

}  // namespace
}  // namespace grpo::app
