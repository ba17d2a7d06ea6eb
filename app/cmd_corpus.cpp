// `grpo corpus box_stacking`: writes a pre-training corpus for the box-stacking demo, one document per line:
// world text (operations narrated) and questions answered with the final stack only, never worked out in
// <think>. Problems of a held-out evaluation set are left out.
#include <fmt/format.h>

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "core/files.h"
#include "datasets/box_stacking_corpus.h"
#include "datasets/task_generator.h"
#include "datasets/task_source.h"

namespace grpo::app {
namespace {

struct CorpusArguments {
  std::string task;
  BoxCorpusOptions options;
  std::string boxes = "3-5";
  std::string story_operations = "2-6";
  std::string out;
  std::string rows_out;
  uint64_t hold_out_seed = 12345;
  size_t hold_out_n = 0;
  std::string hold_out_difficulty = "boxes=3-5,ops=1-4,style=terse";
};

IntRange parse_range(const std::string& text, const char* option) {
  IntRange range;
  size_t dash = text.find('-');
  try {
    size_t used = 0;
    range.low = std::stoll(text.substr(0, dash), &used);
    range.high = dash == std::string::npos ? range.low : std::stoll(text.substr(dash + 1));
  } catch (const std::exception&) {
    fail("{} '{}' is not a number or a range like 3-5", option, text);
  }
  return range;
}

void run_corpus(CorpusArguments arguments, const GlobalOptions& global) {
  if (arguments.task != "box_stacking") {
    fail("grpo corpus: no corpus generator for task '{}'; the one built in is box_stacking", arguments.task);
  }
  BoxCorpusOptions& options = arguments.options;
  options.seed = global.seed;
  options.boxes = parse_range(arguments.boxes, "--boxes");
  options.story_operations = parse_range(arguments.story_operations, "--story-ops");
  if (arguments.hold_out_n > 0) {
    if (arguments.hold_out_seed == global.seed) {
      fail("--hold-out-seed {} equals --seed: the corpus needs a seed of its own", global.seed);
    }
    const TaskGenerator& task = find_task("box_stacking");
    for (const auto& example :
         generate_distinct_examples(task, task.difficulty(arguments.hold_out_difficulty),
                                    arguments.hold_out_seed, arguments.hold_out_n)) {
      options.held_out_questions.insert(example.question);
    }
  }
  BoxCorpus corpus = generate_box_corpus(options);

  const std::string temporary = arguments.out + ".tmp." + std::to_string(::getpid());
  std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
  if (!file) fail("cannot write '{}'", temporary);
  size_t questions = 0, worked = 0;
  for (const auto& document : corpus.documents) {
    file << document.text << '\n';
    questions += document.kind == "question";
    worked += document.kind == "worked";
  }
  file.close();
  if (!file) fail("error while writing '{}'", temporary);
  rename_atomically(temporary, arguments.out);
  if (!arguments.rows_out.empty()) {
    std::ofstream rows(arguments.rows_out, std::ios::binary | std::ios::trunc);
    if (!rows) fail("cannot write '{}'", arguments.rows_out);
    for (const auto& document : corpus.documents) {
      nlohmann::json row = document.row;
      row["kind"] = document.kind;
      row["text"] = document.text;
      rows << row.dump() << '\n';
    }
    if (!rows) fail("error while writing '{}'", arguments.rows_out);
  }
  if (!global.quiet) {
    fmt::print(stderr,
               "grpo: wrote {} documents ({} world text, {} questions answered directly, {} worked documents "
               "not in the prompt format), seed {}, to {}; {} held-out problems of seed {} excluded ({} "
               "generated questions skipped)\n",
               corpus.documents.size(), corpus.documents.size() - questions - worked, questions, worked,
               global.seed, arguments.out, arguments.hold_out_n, arguments.hold_out_seed,
               corpus.held_out_skipped);
  }
}

void add_corpus_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<CorpusArguments>();
  CLI::App* command = app.add_subcommand(
      "corpus",
      "Write a pre-training corpus for a built-in task, one document per line (for grpo pretrain --text).\n"
      "box_stacking: world text (\"the stack is red blue . swap red and blue . now the stack is blue red "
      ".\")\n"
      "and questions in the RL prompt format answered with the final stack only: their <think> is empty or\n"
      "repeats the question, never a worked solution; with --worked-share, also worked documents in a "
      "format\n"
      "that is not the prompt's. The global --seed picks the documents.\n"
      "Example: grpo --seed 7 corpus box_stacking --docs 60000 --hold-out-n 800 --out corpus.txt");
  command->add_option("task", arguments->task, "box_stacking")->required();
  command->add_option("--docs", arguments->options.documents, "Documents to write")
      ->check(CLI::PositiveNumber);
  command->add_option("--out", arguments->out, "Output text file")->required();
  command->add_option("--rows-out", arguments->rows_out,
                      "Also write every document as a JSONL row with its stacks and operations");
  command->add_option("--world-share", arguments->options.world_share,
                      "Share of world-text documents (the rest are questions)");
  command->add_option("--single-op-share", arguments->options.single_operation_share,
                      "Share of world documents with a single operation (the rest are stories)");
  command->add_option("--story-ops", arguments->story_operations, "Operations in a story (a range)");
  command->add_option("--narration", arguments->options.narration_probability,
                      "Chance that a story states the stack after an operation (the last one always is)");
  command->add_option("--boxes", arguments->boxes, "Boxes in a starting stack (a range)");
  command->add_option("--colours", arguments->options.colours, "Colours to draw boxes from");
  command->add_option("--question-ops", arguments->options.question_max_operations,
                      "Questions have 1..N operations, weighted N:N-1:...:1");
  command->add_option("--repeat-think", arguments->options.repeat_think_share,
                      "Share of questions whose <think> repeats the question (else it is empty)");
  command->add_option("--think-close", arguments->options.think_close,
                      "Words every question's <think> ends with (e.g. \"done :\", the worked documents' word "
                      "before their result), so that a narration in <think> can close; default none");
  command->add_flag("--numbered", arguments->options.numbered,
                    "Number the operations (\"step 1 : remove red .\") in world text and questions; use "
                    "style=numbered for the task's problems then");
  command
      ->add_option(
          "--worked-share", arguments->options.worked_share,
          "Share of worked documents (\"plan : ... doing it : ... now the stack is ... done : ...\"): "
          "no question, no <think>, no <answer>; the rest split by --world-share (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--hold-out-seed", arguments->hold_out_seed,
                      "Evaluation problems to leave out: the stream of grpo eval --data-seed");
  command->add_option("--hold-out-n", arguments->hold_out_n,
                      "How many problems of that stream to leave out (grpo eval --n); 0: none");
  command->add_option("--hold-out-difficulty", arguments->hold_out_difficulty,
                      "Their difficulty (grpo eval --difficulty)");
  command->callback([arguments, &context] {
    context.action = [arguments, &context] { run_corpus(*arguments, context.global); };
  });
}

const CommandRegistration registration{"corpus", 51, add_corpus_command};

}  // namespace
}  // namespace grpo::app
