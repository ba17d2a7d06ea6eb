#include "datasets/box_stacking_corpus.h"

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/task_generator.h"

namespace grpo {

namespace {

constexpr const char* kQuestionEnd = " what is the stack ?";

bool happens(SeededRandom& random, double probability) {
  return static_cast<double>(random.uniform(0, 999999)) < probability * 1e6;
}

std::string terse_stack(const BoxStack& stack) {
  return describe_stack(stack, BoxWording::terse);
}

void check_options(const BoxCorpusOptions& options) {
  auto share = [](const char* name, double value) {
    if (!(value >= 0.0 && value <= 1.0)) fail("box corpus: {} = {} must lie in [0, 1]", name, value);
  };
  share("world share", options.world_share);
  share("single-operation share", options.single_operation_share);
  share("narration probability", options.narration_probability);
  share("repeat-think share", options.repeat_think_share);
  share("worked share", options.worked_share);
  if (options.colours < 2 || options.colours > box_colours().size()) {
    fail("box corpus: colours = {} must lie in [2, {}]", options.colours, box_colours().size());
  }
  if (options.boxes.low < 1 || options.boxes.high < options.boxes.low ||
      options.boxes.high > static_cast<int64_t>(options.colours)) {
    fail("box corpus: boxes = {}-{} must be a range within [1, colours = {}]", options.boxes.low,
         options.boxes.high, options.colours);
  }
  if (options.story_operations.low < 1 || options.story_operations.high < options.story_operations.low) {
    fail("box corpus: story operations = {}-{} must be a range of at least 1", options.story_operations.low,
         options.story_operations.high);
  }
  if (options.question_max_operations < 1 || options.question_max_operations > 20) {
    fail("box corpus: question operations = {} must lie in [1, 20]", options.question_max_operations);
  }
}

const std::vector<BoxOperationKind>& all_kinds() {
  static const std::vector<BoxOperationKind> kinds = {BoxOperationKind::move_to_top,
                                                      BoxOperationKind::put_on_top, BoxOperationKind::remove,
                                                      BoxOperationKind::swap};
  return kinds;
}

// 1..max operations, weighted max : max-1 : ... : 1 (short questions most often).
int64_t question_operations(const BoxCorpusOptions& options, SeededRandom& random) {
  const int64_t max = options.question_max_operations;
  int64_t draw = random.uniform(1, max * (max + 1) / 2);
  for (int64_t operations = 1; operations <= max; ++operations) {
    draw -= max - operations + 1;
    if (draw <= 0) return operations;
  }
  return max;
}

BoxCorpusDocument question_document(const BoxCorpusOptions& options, uint64_t index, SeededRandom& random,
                                    size_t& held_out_skipped) {
  const TaskGenerator& task = find_task("box_stacking");
  const int64_t operations = question_operations(options, random);
  Difficulty difficulty = task.difficulty(fmt::format("boxes={}-{},colours={},ops={},style={}",
                                                      options.boxes.low, options.boxes.high, options.colours,
                                                      operations, options.numbered ? "numbered" : "terse"));
  // A stream of its own per operation count, far from any seed a user would pick for evaluation.
  const uint64_t stream = mix64(options.seed ^ mix64(0xb0c5c0a9u + static_cast<uint64_t>(operations)));
  for (uint64_t attempt = 0; attempt < 1000; ++attempt) {
    Example example = task.generate(stream, index * 1000 + attempt, difficulty);
    if (options.held_out_questions.count(example.question) > 0) {
      ++held_out_skipped;
      continue;
    }
    const bool repeat = happens(random, options.repeat_think_share);
    std::string think = repeat ? box_question_body(example.question) : "";
    if (!options.think_close.empty()) think += (think.empty() ? "" : " ") + options.think_close;
    BoxCorpusDocument document;
    document.kind = "question";
    document.text = fmt::format("{} <think> {}{}</think> <answer> {} </answer>", example.question, think,
                                think.empty() ? "" : " ", example.answer);
    document.row = example.row;
    document.row["think"] = think;
    return document;
  }
  fail("box corpus: 1000 questions in a row were held out (item {}); hold out fewer problems", index);
}

}  // namespace

std::string box_question_body(const std::string& question) {
  const std::string end = kQuestionEnd;
  if (question.size() >= end.size() && question.compare(question.size() - end.size(), end.size(), end) == 0) {
    return question.substr(0, question.size() - end.size());
  }
  return question;
}

BoxCorpusDocument box_world_document(const BoxCorpusOptions& options, uint64_t index) {
  check_options(options);
  SeededRandom random = SeededRandom::for_item(options.seed, "box_corpus_world", index);
  std::vector<std::string> palette(box_colours().begin(),
                                   box_colours().begin() + static_cast<long>(options.colours));
  random.shuffle(palette);
  BoxStack stack(palette.begin(), palette.begin() + random.uniform(options.boxes.low, options.boxes.high));
  const int64_t count = happens(random, options.single_operation_share)
                            ? 1
                            : random.uniform(options.story_operations.low, options.story_operations.high);

  BoxCorpusDocument document;
  document.kind = "world";
  document.row["initial_stack"] = stack;
  nlohmann::json operations = nlohmann::json::array();
  nlohmann::json stacks = nlohmann::json::array();
  nlohmann::json narrated = nlohmann::json::array();
  std::string text = "the stack is " + terse_stack(stack) + " .";
  for (int64_t i = 0; i < count; ++i) {
    auto operation = random_operation(stack, all_kinds(), options.colours, random);
    if (!operation) break;
    stack = apply_operation(stack, *operation);
    const bool state = i + 1 == count || happens(random, options.narration_probability);
    text += " " + box_step_label(static_cast<size_t>(i), options.numbered) +
            describe_operation(*operation, BoxWording::terse) + " .";
    if (state) text += " now the stack is " + terse_stack(stack) + " .";
    operations.push_back(operation_to_json(*operation));
    stacks.push_back(stack);
    narrated.push_back(state);
  }
  document.text = std::move(text);
  document.row["operations"] = std::move(operations);
  document.row["stacks"] = std::move(stacks);
  document.row["narrated"] = std::move(narrated);
  return document;
}

BoxCorpusDocument box_worked_document(const BoxCorpusOptions& options, uint64_t index) {
  check_options(options);
  SeededRandom random = SeededRandom::for_item(options.seed, "box_corpus_worked", index);
  std::vector<std::string> palette(box_colours().begin(),
                                   box_colours().begin() + static_cast<long>(options.colours));
  random.shuffle(palette);
  const BoxStack start(palette.begin(),
                       palette.begin() + random.uniform(options.boxes.low, options.boxes.high));
  const int64_t count = random.uniform(options.story_operations.low, options.story_operations.high);
  BoxStack stack = start;
  std::string plan = "plan : the stack is " + terse_stack(start) + " .";
  std::string doing = " doing it : the stack is " + terse_stack(start) + " .";
  nlohmann::json operations = nlohmann::json::array();
  nlohmann::json stacks = nlohmann::json::array();
  for (int64_t i = 0; i < count; ++i) {
    auto operation = random_operation(stack, all_kinds(), options.colours, random);
    if (!operation) break;
    stack = apply_operation(stack, *operation);
    const std::string step = " " + box_step_label(static_cast<size_t>(i), options.numbered) +
                             describe_operation(*operation, BoxWording::terse) + " .";
    plan += step;
    doing += step + " now the stack is " + terse_stack(stack) + " .";
    operations.push_back(operation_to_json(*operation));
    stacks.push_back(stack);
  }
  BoxCorpusDocument document;
  document.kind = "worked";
  document.text = plan + doing + " done : " + terse_stack(stack) + " .";
  document.row["initial_stack"] = start;
  document.row["operations"] = std::move(operations);
  document.row["stacks"] = std::move(stacks);
  return document;
}

BoxCorpus generate_box_corpus(const BoxCorpusOptions& options) {
  check_options(options);
  BoxCorpus corpus;
  corpus.documents.reserve(options.documents);
  for (uint64_t index = 0; index < options.documents; ++index) {
    SeededRandom random = SeededRandom::for_item(options.seed, "box_corpus", index);
    // Drawn only when asked for, so that a corpus without worked documents stays the same byte for byte.
    if (options.worked_share > 0 && happens(random, options.worked_share)) {
      corpus.documents.push_back(box_worked_document(options, index));
    } else if (happens(random, options.world_share)) {
      corpus.documents.push_back(box_world_document(options, index));
    } else {
      corpus.documents.push_back(question_document(options, index, random, corpus.held_out_skipped));
    }
  }
  return corpus;
}

}  // namespace grpo
