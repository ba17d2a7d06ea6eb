#include "datasets/box_stacking_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/error.h"
#include "datasets/box_world.h"
#include "datasets/seeded_random.h"

namespace grpo {

namespace {

std::vector<BoxOperationKind> parse_kinds(const std::string& text) {
  std::vector<BoxOperationKind> kinds;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, '+')) {
    BoxOperationKind kind = parse_operation_kind(name);
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  return kinds;
}

std::string capitalised(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

std::string english_question(const BoxStack& start, const std::vector<BoxOperation>& operations) {
  std::string text = start.size() == 1
                         ? fmt::format("There is one box: {}.", describe_stack(start, BoxWording::english))
                         : fmt::format("There is a stack of {} boxes: {}.", number_in_words(start.size()),
                                       describe_stack(start, BoxWording::english));
  for (size_t i = 0; i < operations.size(); ++i) {
    std::string step = describe_operation(operations[i], BoxWording::english);
    if (operations.size() == 1) {
      text += " " + capitalised(step) + ".";
    } else {
      text += (i == 0 ? " First, " : " Then ") + step + ".";
    }
  }
  text += " What is the stack now? Give the colours from bottom to top, separated by spaces.";
  return text;
}

// "the stack is red blue . remove red . what is the stack ?"; numbered: "... . step 1 : remove red . ...".
std::string terse_question(const BoxStack& start, const std::vector<BoxOperation>& operations,
                           bool numbered) {
  std::string text = "the stack is " + describe_stack(start, BoxWording::terse) + " .";
  for (size_t i = 0; i < operations.size(); ++i) {
    text += " " + box_step_label(i, numbered) + describe_operation(operations[i], BoxWording::terse) + " .";
  }
  text += " what is the stack ?";
  return text;
}

// Lowercase words of letters only: "Red, blue." -> {"red", "blue"}.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::string BoxStackingTask::summary() const {
  return "a stack of coloured boxes and a few operations (move to the top, put on top, remove, swap); "
         "answer: the "
         "final stack, bottom to top";
}

std::vector<DifficultyKnob> BoxStackingTask::knobs() const {
  return {
      {"boxes", "boxes in the starting stack (a range: 3-5)", "3-5"},
      {"ops", "operations to apply (a range)", "1-4"},
      {"colours", "colours to draw boxes from (up to 12)", "8"},
      {"kinds", "operation kinds allowed, joined by '+': move, put, remove, swap", "move+put+remove+swap"},
      {"style",
       "question wording: english (sentences), terse (\"the stack is red blue . remove red . ...\") or "
       "numbered (terse, \"... . step 1 : remove red . ...\")",
       "english"}};
}

std::map<std::string, std::string> BoxStackingTask::presets() const {
  return {
      {"easy", "boxes=3,ops=1-2"}, {"medium", "boxes=3-5,ops=1-4"}, {"hard", "boxes=4-6,ops=5-8,colours=10"}};
}

void BoxStackingTask::validate(const Difficulty& difficulty) const {
  int64_t palette = static_cast<int64_t>(box_colours().size());
  require_range_within(difficulty, name(), "colours", 2, palette);
  int64_t colours = difficulty.range("colours").high;
  if (difficulty.range("colours").low != colours) {
    fail("task 'box_stacking': colours={} must be one number (the palette size)", difficulty.text("colours"));
  }
  require_range_within(difficulty, name(), "boxes", 1, colours);
  require_range_within(difficulty, name(), "ops", 0, 100);
  if (parse_kinds(difficulty.text("kinds")).empty()) fail("task 'box_stacking': kinds= names no operation");
  const std::string& style = difficulty.text("style");
  if (style != "english" && style != "terse" && style != "numbered") {
    fail("task 'box_stacking': style={} is unknown; use english, terse or numbered", style);
  }
}

Example BoxStackingTask::generate(uint64_t seed, uint64_t index, const Difficulty& difficulty) const {
  SeededRandom random = SeededRandom::for_item(seed, name(), index);
  IntRange boxes = difficulty.range("boxes");
  IntRange ops = difficulty.range("ops");
  size_t colours = static_cast<size_t>(difficulty.range("colours").low);
  std::vector<BoxOperationKind> kinds = parse_kinds(difficulty.text("kinds"));

  std::vector<std::string> palette(box_colours().begin(), box_colours().begin() + static_cast<long>(colours));
  random.shuffle(palette);
  BoxStack start(palette.begin(), palette.begin() + random.uniform(boxes.low, boxes.high));
  int64_t wanted = random.uniform(ops.low, ops.high);

  std::vector<BoxOperation> operations;
  std::vector<BoxStack> stacks;
  BoxStack current = start;
  for (int64_t i = 0; i < wanted; ++i) {
    auto operation = random_operation(current, kinds, colours, random);
    if (!operation) break;  // no allowed operation applies to this stack: the problem has fewer operations
    current = apply_operation(current, *operation);
    operations.push_back(*operation);
    stacks.push_back(current);
  }

  const std::string& style = difficulty.text("style");
  Example example =
      make_generated_example(seed, index, difficulty,
                             style == "english" ? english_question(start, operations)
                                                : terse_question(start, operations, style == "numbered"),
                             stack_answer(current));
  nlohmann::json operations_json = nlohmann::json::array();
  for (const auto& operation : operations) operations_json.push_back(operation_to_json(operation));
  example.row["initial_stack"] = start;
  example.row["operations"] = std::move(operations_json);
  example.row["stacks"] = stacks;
  example.row["num_boxes"] = start.size();
  example.row["num_operations"] = operations.size();
  return example;
}

std::string normalise_stack_answer(const std::string& text) {
  std::string spaced;
  for (char c : text) {
    spaced += (c == ',' || c == ';') ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::stringstream stream(spaced);
  std::vector<std::string> words;
  std::string word;
  while (stream >> word) {
    if (word == "and") continue;
    words.push_back(word);
  }
  if (!words.empty() && words.back().size() > 1 && words.back().back() == '.') words.back().pop_back();
  if (!words.empty() && words.back() == ".") words.pop_back();
  return fmt::format("{}", fmt::join(words, " "));
}

IntermediateStacks intermediate_stacks_written(const std::string& text, const nlohmann::json& row) {
  IntermediateStacks result;
  if (!row.contains("stacks") || !row["stacks"].is_array() || row["stacks"].empty()) return result;
  std::vector<std::string> words;
  for (auto& word : words_of(text)) {
    if (word != "and") words.push_back(std::move(word));
  }
  const auto& stacks = row["stacks"];
  for (size_t i = 0; i + 1 < stacks.size(); ++i) {
    ++result.total;
    std::vector<std::string> stack = stacks[i].get<std::vector<std::string>>();
    if (!stack.empty() &&
        std::search(words.begin(), words.end(), stack.begin(), stack.end()) != words.end()) {
      ++result.written;
    }
  }
  return result;
}

}  // namespace grpo
