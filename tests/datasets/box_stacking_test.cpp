// The box-stacking world and task: operations, wording, deterministic generation, gold answers checked by an
// independent solver that reads only the question text, metadata, difficulty knobs, and the verifier reward.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "datasets/box_stacking_task.h"
#include "datasets/box_world.h"
#include "datasets/task_generator.h"
#include "datasets/task_rewards.h"
#include "rewards/reward_registry.h"

namespace grpo {
namespace {

using Stack = std::vector<std::string>;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "in: " << (text)

// ---- An independent solver: reads the question's words and simulates the stack with its own code. ----

void solver_move_to_top(Stack& stack, const std::string& box) {
  auto at = std::find(stack.begin(), stack.end(), box);
  ASSERT_NE(at, stack.end()) << box;
  stack.erase(at);
  stack.push_back(box);
}

Stack split_words(const std::string& text) {
  std::stringstream stream(text);
  Stack words;
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

// "There is a stack of three boxes: red at the bottom, then blue, then yellow on top. First, take ... What is
// ..."
Stack solve_english(const std::string& question) {
  std::smatch match;
  Stack stack;
  std::string rest;
  static const std::regex single("^There is one box: a single (\\w+) box\\.(.*)$");
  static const std::regex many(
      "^There is a stack of \\w+ boxes: (\\w+) at the bottom((?:, then \\w+)*)(?:,| and) then ?(\\w+) on "
      "top\\.(.*)$");
  static const std::regex two(
      "^There is a stack of two boxes: (\\w+) at the bottom and (\\w+) on top\\.(.*)$");
  if (std::regex_match(question, match, single)) {
    stack = {match[1]};
    rest = match[2];
  } else if (std::regex_match(question, match, two)) {
    stack = {match[1], match[2]};
    rest = match[3];
  } else if (std::regex_match(question, match, many)) {
    stack.push_back(match[1]);
    std::string middle = match[2];
    static const std::regex then_word(", then (\\w+)");
    for (std::sregex_iterator it(middle.begin(), middle.end(), then_word), end; it != end; ++it)
      stack.push_back((*it)[1]);
    stack.push_back(match[3]);
    rest = match[4];
  } else {
    ADD_FAILURE() << "cannot read the stack in: " << question;
    return {};
  }
  static const std::regex move("take the (\\w+) box out and put it on top");
  static const std::regex put("put an? (\\w+) box on top");
  static const std::regex remove("remove the (\\w+) box");
  static const std::regex swap("swap the (\\w+) box and the (\\w+) box");
  static const std::regex step("(?:First, |Then |^ ?)([^.]+)\\.");
  std::string steps = rest.substr(0, rest.find(" What is the stack now?"));
  for (std::sregex_iterator it(steps.begin(), steps.end(), step), end; it != end; ++it) {
    std::string sentence = (*it)[1];
    sentence[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(sentence[0])));
    std::smatch op;
    if (std::regex_search(sentence, op, move)) {
      solver_move_to_top(stack, op[1]);
    } else if (std::regex_search(sentence, op, put)) {
      stack.push_back(op[1]);
    } else if (std::regex_search(sentence, op, remove)) {
      stack.erase(std::find(stack.begin(), stack.end(), std::string(op[1])));
    } else if (std::regex_search(sentence, op, swap)) {
      auto a = std::find(stack.begin(), stack.end(), std::string(op[1]));
      auto b = std::find(stack.begin(), stack.end(), std::string(op[2]));
      std::string kept = *a;
      *a = *b;
      *b = kept;
    } else {
      ADD_FAILURE() << "unknown step '" << sentence << "' in: " << question;
    }
  }
  return stack;
}

// "the stack is red blue yellow . move blue to the top . put green on top . what is the stack ?"
Stack solve_terse(const std::string& question) {
  Stack stack;
  std::string clause;
  std::stringstream stream(question);
  std::vector<Stack> clauses;
  Stack words = split_words(question);
  Stack current;
  for (const auto& word : words) {
    if (word == ".") {
      clauses.push_back(current);
      current.clear();
    } else {
      current.push_back(word);
    }
  }
  EXPECT_EQ(current, (Stack{"what", "is", "the", "stack", "?"}));
  EXPECT_GE(clauses.size(), 1u);
  stack.assign(clauses[0].begin() + 3, clauses[0].end());  // after "the stack is"
  for (size_t i = 1; i < clauses.size(); ++i) {
    Stack c = clauses[i];
    if (c.size() > 3 && c[0] == "step") {  // numbered: "step 3 : remove red"
      EXPECT_EQ(c[1], std::to_string(i)) << question;
      EXPECT_EQ(c[2], ":") << question;
      c.erase(c.begin(), c.begin() + 3);
    }
    if (c[0] == "move") {
      solver_move_to_top(stack, c[1]);
    } else if (c[0] == "put") {
      stack.push_back(c[1]);
    } else if (c[0] == "remove") {
      stack.erase(std::find(stack.begin(), stack.end(), c[1]));
    } else if (c[0] == "swap") {
      std::iter_swap(std::find(stack.begin(), stack.end(), c[1]),
                     std::find(stack.begin(), stack.end(), c[3]));
    } else {
      ADD_FAILURE() << "unknown clause in " << question;
    }
  }
  return stack;
}

std::string joined(const Stack& stack) {
  std::string out;
  for (const auto& box : stack) out += (out.empty() ? "" : " ") + box;
  return out;
}

// ---- The world ----

TEST(BoxWorld, OperationsChangeTheStackAsTheirWordsSay) {
  Stack stack = {"red", "blue", "yellow"};
  EXPECT_EQ(apply_operation(stack, {BoxOperationKind::move_to_top, "blue", ""}),
            (Stack{"red", "yellow", "blue"}));
  EXPECT_EQ(apply_operation(stack, {BoxOperationKind::put_on_top, "green", ""}),
            (Stack{"red", "blue", "yellow", "green"}));
  EXPECT_EQ(apply_operation(stack, {BoxOperationKind::remove, "red", ""}), (Stack{"blue", "yellow"}));
  EXPECT_EQ(apply_operation(stack, {BoxOperationKind::swap, "red", "yellow"}),
            (Stack{"yellow", "blue", "red"}));
}

TEST(BoxWorld, InvalidOperationsAreRefusedWithAReason) {
  Stack stack = {"red", "blue"};
  EXPECT_EQ(why_invalid(stack, {BoxOperationKind::move_to_top, "blue", ""}),
            "the blue box is already on top");
  EXPECT_EQ(why_invalid(stack, {BoxOperationKind::put_on_top, "red", ""}),
            "there is a red box in the stack already");
  EXPECT_EQ(why_invalid(stack, {BoxOperationKind::remove, "green", ""}), "there is no green box to remove");
  EXPECT_EQ(why_invalid(stack, {BoxOperationKind::swap, "red", "red"}),
            "cannot swap the red box with itself");
  EXPECT_THROW(apply_operation(stack, {BoxOperationKind::remove, "green", ""}), Error);
}

TEST(BoxWorld, TheIssueExampleInWords) {
  // "a stack of three boxes, red at the bottom, blue on it, yellow on top; take the blue box out and put it
  // on top; then add a green box on top; describe the stack"
  Stack start = {"red", "blue", "yellow"};
  std::vector<BoxOperation> operations = {{BoxOperationKind::move_to_top, "blue", ""},
                                          {BoxOperationKind::put_on_top, "green", ""}};
  std::vector<BoxStack> stacks = apply_operations(start, operations);
  ASSERT_EQ(stacks.size(), 2u);
  EXPECT_EQ(stack_answer(stacks[0]), "red yellow blue");
  EXPECT_EQ(stack_answer(stacks[1]), "red yellow blue green");
  EXPECT_EQ(describe_stack(start, BoxWording::english), "red at the bottom, then blue, then yellow on top");
  EXPECT_EQ(describe_stack({"red", "blue"}, BoxWording::english), "red at the bottom and blue on top");
  EXPECT_EQ(describe_stack({"red"}, BoxWording::english), "a single red box");
  EXPECT_EQ(describe_stack(start, BoxWording::terse), "red blue yellow");
  EXPECT_EQ(describe_operation(operations[0], BoxWording::english),
            "take the blue box out and put it on top");
  EXPECT_EQ(describe_operation(operations[1], BoxWording::english), "put a green box on top");
  EXPECT_EQ(describe_operation({BoxOperationKind::put_on_top, "orange", ""}, BoxWording::english),
            "put an orange box on top");
  EXPECT_EQ(describe_operation(operations[0], BoxWording::terse), "move blue to the top");
  EXPECT_EQ(describe_operation(operations[1], BoxWording::terse), "put green on top");
  EXPECT_EQ(describe_operation({BoxOperationKind::remove, "red", ""}, BoxWording::terse), "remove red");
  EXPECT_EQ(describe_operation({BoxOperationKind::swap, "red", "blue"}, BoxWording::terse),
            "swap red and blue");
  EXPECT_EQ(describe_operation({BoxOperationKind::swap, "red", "blue"}, BoxWording::english),
            "swap the red box and the blue box");
}

TEST(BoxWorld, OperationsRoundTripThroughJson) {
  for (const BoxOperation& operation : {BoxOperation{BoxOperationKind::move_to_top, "red", ""},
                                        BoxOperation{BoxOperationKind::swap, "red", "blue"}}) {
    BoxOperation back = operation_from_json(operation_to_json(operation));
    EXPECT_EQ(back.kind, operation.kind);
    EXPECT_EQ(back.box, operation.box);
    EXPECT_EQ(back.other, operation.other);
  }
  EXPECT_EQ(operation_to_json({BoxOperationKind::swap, "red", "blue"}),
            nlohmann::json({{"op", "swap"}, {"box", "red"}, {"other", "blue"}}));
  EXPECT_THROW(operation_from_json({{"op", "fly"}, {"box", "red"}}), Error);
}

// ---- The task ----

TEST(BoxStackingTask, SameSeedAndIndexGiveTheSameProblem) {
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty difficulty = task.difficulty("medium");
  for (uint64_t index = 0; index < 20; ++index) {
    Example a = task.generate(42, index, difficulty);
    Example b = task.generate(42, index, difficulty);
    EXPECT_EQ(a.row, b.row);
    EXPECT_EQ(a.id, "box_stacking:42:" + std::to_string(index));
  }
  std::set<std::string> questions;
  for (uint64_t index = 0; index < 50; ++index)
    questions.insert(task.generate(1, index, difficulty).question);
  EXPECT_GT(questions.size(), 45u);  // not the same problem over and over
  int differing = 0;
  for (uint64_t index = 0; index < 50; ++index) {
    differing += task.generate(1, index, difficulty).question != task.generate(2, index, difficulty).question;
  }
  EXPECT_GT(differing, 45);
}

TEST(BoxStackingTask, GoldAnswersMatchAnIndependentSolverReadingTheQuestion) {
  const TaskGenerator& task = find_task("box_stacking");
  for (const std::string spec : {"easy", "medium", "hard", "boxes=1-2,ops=3,colours=3"}) {
    Difficulty difficulty = task.difficulty(spec);
    for (uint64_t index = 0; index < 300; ++index) {
      Example example = task.generate(9, index, difficulty);
      ASSERT_EQ(joined(solve_english(example.question)), example.answer) << spec << ": " << example.question;
    }
  }
  Difficulty terse = task.difficulty("hard,style=terse");
  for (uint64_t index = 0; index < 300; ++index) {
    Example example = task.generate(9, index, terse);
    ASSERT_EQ(joined(solve_terse(example.question)), example.answer) << example.question;
  }
  // Numbered: the same problems (same seed and knobs otherwise), each operation after "step N :".
  Difficulty numbered = task.difficulty("hard,style=numbered");
  for (uint64_t index = 0; index < 300; ++index) {
    Example example = task.generate(9, index, numbered);
    ASSERT_EQ(joined(solve_terse(example.question)), example.answer) << example.question;
    ASSERT_EQ(example.answer, task.generate(9, index, terse).answer);
    ASSERT_NE(example.question.find(" step 1 : "), std::string::npos) << example.question;
  }
}

TEST(BoxStackingTask, RowsCarryTheInitialStackOperationsAndEveryIntermediateStack) {
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty difficulty = task.difficulty("hard");
  for (uint64_t index = 0; index < 100; ++index) {
    Example example = task.generate(3, index, difficulty);
    const nlohmann::json& row = example.row;
    EXPECT_EQ(row["task"], "box_stacking");
    EXPECT_EQ(row["question"], example.question);
    EXPECT_EQ(row["answer"], example.answer);
    Stack stack = row["initial_stack"].get<Stack>();
    ASSERT_EQ(row["operations"].size(), row["num_operations"].get<size_t>());
    ASSERT_EQ(row["stacks"].size(), row["operations"].size());
    // Replay the structured operations with the test's own code and compare every intermediate stack.
    for (size_t i = 0; i < row["operations"].size(); ++i) {
      const auto& op = row["operations"][i];
      std::string box = op["box"];
      if (op["op"] == "move_to_top") {
        solver_move_to_top(stack, box);
      } else if (op["op"] == "put_on_top") {
        stack.push_back(box);
      } else if (op["op"] == "remove") {
        stack.erase(std::find(stack.begin(), stack.end(), box));
      } else {
        std::iter_swap(std::find(stack.begin(), stack.end(), box),
                       std::find(stack.begin(), stack.end(), op["other"].get<std::string>()));
      }
      ASSERT_EQ(row["stacks"][i].get<Stack>(), stack) << example.question;
    }
    EXPECT_EQ(joined(stack), example.answer);
  }
}

TEST(BoxStackingTask, DifficultyKnobsBoundTheProblems) {
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty difficulty = task.difficulty("boxes=4-5,ops=6,colours=6,kinds=move+swap");
  std::set<std::string> palette(box_colours().begin(), box_colours().begin() + 6);
  std::set<size_t> sizes;
  for (uint64_t index = 0; index < 200; ++index) {
    Example example = task.generate(5, index, difficulty);
    Stack start = example.row["initial_stack"].get<Stack>();
    sizes.insert(start.size());
    EXPECT_GE(start.size(), 4u);
    EXPECT_LE(start.size(), 5u);
    EXPECT_EQ(std::set<std::string>(start.begin(), start.end()).size(), start.size());  // distinct colours
    for (const auto& box : start) EXPECT_EQ(palette.count(box), 1u) << box;
    EXPECT_EQ(example.row["num_operations"], 6);
    for (const auto& op : example.row["operations"]) {
      EXPECT_TRUE(op["op"] == "move_to_top" || op["op"] == "swap") << op;
    }
  }
  EXPECT_EQ(sizes, (std::set<size_t>{4, 5}));
}

TEST(BoxStackingTask, BadDifficultiesAreExplained) {
  const TaskGenerator& task = find_task("box_stacking");
  auto error = [&](const std::string& spec) {
    try {
      task.difficulty(spec);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_CONTAINS(error("depth=3"),
                  "no difficulty knob 'depth'; its knobs: boxes, ops, colours, kinds, style");
  EXPECT_CONTAINS(error("boxes=13"), "out of bounds");
  EXPECT_CONTAINS(error("boxes=9,colours=8"), "out of bounds");
  EXPECT_CONTAINS(error("boxes=5-3"), "the range is empty");
  EXPECT_CONTAINS(error("ops=many"), "expected a whole number or a range");
  EXPECT_CONTAINS(error("style=poetry"), "style=poetry is unknown");
  EXPECT_CONTAINS(error("kinds=move+fly"), "unknown box operation 'fly'");
  EXPECT_CONTAINS(error("brutal"), "neither a preset (first only: easy, hard, medium)");
  EXPECT_EQ(task.difficulty("hard,style=terse").canonical(),
            "boxes=4-6,colours=10,kinds=move+put+remove+swap,ops=5-8,style=terse");
  EXPECT_EQ(task.difficulty("").canonical(),
            "boxes=3-5,colours=8,kinds=move+put+remove+swap,ops=1-4,style=english");
}

TEST(BoxStackingTask, AnswersAreNormalisedForCaseCommasAndAnd) {
  EXPECT_EQ(normalise_stack_answer("Red, Blue and  Green."), "red blue green");
  EXPECT_EQ(normalise_stack_answer(" red blue green "), "red blue green");
  EXPECT_EQ(normalise_stack_answer("red;blue,green"), "red blue green");
  EXPECT_NE(normalise_stack_answer("green blue red"), "red blue green");
}

TEST(BoxStackingTask, IntermediateStacksWrittenInAThinkAreCounted) {
  nlohmann::json row = {
      {"stacks",
       {{"red", "yellow", "blue"}, {"red", "yellow", "blue", "green"}, {"yellow", "blue", "green"}}}};
  auto none = intermediate_stacks_written("the answer is yellow blue green", row);
  EXPECT_EQ(none.total, 2u);
  EXPECT_EQ(none.written, 0u);
  auto both = intermediate_stacks_written(
      "after moving: Red, yellow and blue. now the stack is red yellow blue green", row);
  EXPECT_EQ(both.written, 2u);
  auto one = intermediate_stacks_written("red yellow blue", row);
  EXPECT_EQ(one.written, 1u);
}

TEST(BoxStackingReward, ScoresTheAnswerTagAgainstTheGold) {
  register_task_rewards();
  std::unique_ptr<RewardFunction> reward = make_reward("box_stacking");
  nlohmann::json row = {{"task", "box_stacking"}, {"answer", "red yellow blue green"}};
  auto input = [&](const std::string& completion, nlohmann::json r) {
    RewardInput in;
    in.completion = completion;
    in.row = std::move(r);
    return in;
  };
  std::vector<RewardResult> results = reward->score({
      input("<think> red yellow blue </think> <answer> Red, Yellow, Blue and Green </answer>", row),
      input("<think> </think> <answer> red blue yellow green </answer>", row),
      input("red yellow blue green", row),
      input("<answer>red yellow blue green</answer>", {{"task", "arithmetic"}, {"answer", "3"}}),
      input("<answer>x</answer>", {{"question", "no gold"}}),
  });
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0].score, 1.0);
  EXPECT_EQ(results[1].score, 0.0);
  EXPECT_CONTAINS(results[1].reason, "expected \"red yellow blue green\"");
  EXPECT_EQ(results[2].score, 0.0);
  EXPECT_CONTAINS(results[2].reason, "no <answer>");
  EXPECT_FALSE(results[3].score.has_value());
  EXPECT_FALSE(results[4].score.has_value());
  EXPECT_THROW(make_reward("box_stacking:strict"), Error);
}

TEST(BoxStackingReward, GeneratedGoldScoresOneAndAWrongStackZero) {
  register_task_rewards();
  std::unique_ptr<RewardFunction> reward = make_reward("box_stacking");
  const TaskGenerator& task = find_task("box_stacking");
  Difficulty difficulty = task.difficulty("medium");
  std::vector<RewardInput> batch;
  for (uint64_t index = 0; index < 20; ++index) {
    Example example = task.generate(8, index, difficulty);
    RewardInput right;
    right.completion = "<think></think><answer>" + example.answer + "</answer>";
    right.row = example.row;
    RewardInput wrong = right;
    Stack stack = split_words(example.answer);
    std::reverse(stack.begin(), stack.end());
    if (stack.size() < 2) stack.push_back("cyan");
    wrong.completion = "<answer>" + joined(stack) + "</answer>";
    batch.push_back(right);
    batch.push_back(wrong);
  }
  std::vector<RewardResult> results = reward->score(batch);
  for (size_t i = 0; i < results.size(); i += 2) {
    EXPECT_EQ(results[i].score, 1.0) << results[i].reason;
    EXPECT_EQ(results[i + 1].score, 0.0) << batch[i + 1].completion;
  }
}

}  // namespace
}  // namespace grpo
