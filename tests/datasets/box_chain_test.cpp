// The definition of "a completion holds a chain of stacks" (datasets/box_chain.h) on completions like those
// the demo's models write, on a real generated task row, and on malformed or hostile text.
#include <gtest/gtest.h>

#include <string>

#include "datasets/box_chain.h"
#include "datasets/box_stacking_task.h"
#include "datasets/task_generator.h"
#include "logs/metric_names.h"

namespace grpo {
namespace {

nlohmann::json row_with_stacks(std::vector<BoxStack> stacks) {
  return {{"stacks", stacks}};
}

// A 3-operation problem: red yellow blue -> put green on top -> move red to the top -> swap yellow and blue.
const nlohmann::json& three_step_row() {
  static const nlohmann::json row = row_with_stacks({{"red", "yellow", "blue", "green"},
                                                     {"yellow", "blue", "green", "red"},
                                                     {"blue", "yellow", "green", "red"}});
  return row;
}

TEST(BoxChain, AWorkedThinkBlockHoldsAChainAndItsStepsAreChecked) {
  const std::string completion =
      "<think> the stack is red yellow blue . put green on top . now the stack is red yellow blue green . "
      "move red to the top . now the stack is yellow blue green red . swap yellow and blue . now the stack "
      "is blue yellow green red . </think> <answer> blue yellow green red </answer>";
  BoxChain chain = read_box_chain(completion);
  ASSERT_TRUE(chain.holds_chain());
  ASSERT_EQ(chain.step_stacks.size(), 3u);
  EXPECT_EQ(chain.step_stacks[1], (BoxStack{"yellow", "blue", "green", "red"}));
  EXPECT_EQ(box_chain_steps_right(chain, three_step_row()), 3u);
  EXPECT_EQ(chain.think_words, 50u);
}

TEST(BoxChain, NumberedStepsAndAPrefilledStartAreRead) {
  // The prompt ended with "<think>": the completion starts inside the block. Step 2 states a wrong stack.
  const std::string completion =
      " the stack is red yellow blue . step 1 : put green on top . now the stack is red yellow blue green . "
      "step 2 : move red to the top . now the stack is red yellow blue green . </think> <answer> red "
      "</answer>";
  BoxChain chain = read_box_chain(completion);
  ASSERT_EQ(chain.step_stacks.size(), 2u);
  EXPECT_EQ(box_chain_steps_right(chain, three_step_row()), 1u);
}

TEST(BoxChain, ThinkBlocksOfTheSharpeningCorpusHoldNone) {
  // What the current corpus teaches: an empty think, or one that repeats the question.
  EXPECT_FALSE(read_box_chain("<think> </think> <answer> red blue </answer>").holds_chain());
  BoxChain repeat = read_box_chain(
      "<think> the stack is red yellow blue . put green on top . move red to the top . </think> <answer> "
      "yellow blue green red </answer>");
  EXPECT_TRUE(repeat.has_think);
  EXPECT_FALSE(repeat.holds_chain());
  EXPECT_EQ(repeat.think_words, 18u);
  // A stack statement with no operation before it, and an operation whose next sentence is not a stack.
  EXPECT_FALSE(
      read_box_chain("<think> the stack is red . the stack is blue . remove red . hmm . the stack is "
                     "red . </think>")
          .holds_chain());
}

TEST(BoxChain, InventedOperationsStillMakeAChainButNoStepIsRight) {
  // Like the chains that appeared in the first demo's RL (BENCHMARKS.md): cut by the length limit, the
  // operation repeated, the stacks not the problem's.
  const std::string completion =
      "<think> the stack is red yellow blue . swap white and gray . now the stack is red yellow blue . swap "
      "white and grey . now the stack is red yellow blue . swap grey and white . now the stack";
  BoxChain chain = read_box_chain(completion);
  // "gray" is not a palette colour: the first operation is no operation statement.
  ASSERT_EQ(chain.step_stacks.size(), 1u);
  EXPECT_EQ(box_chain_steps_right(chain, three_step_row()), 0u);
}

TEST(BoxChain, OnlyTheThinkBlockCounts) {
  EXPECT_FALSE(
      read_box_chain("<think> </think> <answer> remove red . now the stack is blue </answer>").holds_chain());
  EXPECT_FALSE(read_box_chain("remove red . now the stack is blue").holds_chain()) << "no think block at all";
  EXPECT_FALSE(read_box_chain("remove red . now the stack is blue").has_think);
}

TEST(BoxChain, CaseSpacingAndPunctuationAreTolerated) {
  BoxChain chain =
      read_box_chain("<think>Step 1: Remove RED.\nNow the stack is Blue,Green.</think><answer>x</answer>");
  ASSERT_EQ(chain.step_stacks.size(), 1u);
  EXPECT_EQ(chain.step_stacks[0], (BoxStack{"blue", "green"}));
}

TEST(BoxChain, MalformedAndHostileTextIsReadSafely) {
  EXPECT_FALSE(read_box_chain("").holds_chain());
  EXPECT_FALSE(read_box_chain("<think>").holds_chain());
  EXPECT_FALSE(read_box_chain("</think></think><think>").holds_chain());
  EXPECT_FALSE(
      read_box_chain(std::string("<think> remove red ") + '\0' + " . now the stack is").holds_chain());
  // Bytes of every value, and invalid UTF-8, around a real step: the step is still found, nothing throws.
  std::string noise;
  for (int c = 0; c < 256; ++c) noise += static_cast<char>(c);
  BoxChain noisy = read_box_chain("<think>" + noise + " . remove red . now the stack is blue . \xff\xfe" +
                                  noise + "</think>");
  EXPECT_EQ(noisy.step_stacks.size(), 1u);
  // A long think block (~1 MB of steps) is read in one linear pass.
  std::string long_think = "<think>";
  for (int i = 0; i < 20000; ++i) long_think += " step 7 : remove red . now the stack is blue green .";
  EXPECT_EQ(read_box_chain(long_think).step_stacks.size(), 20000u);
  // Step numbers and words glued together, and a number too long for any integer type.
  EXPECT_TRUE(read_box_chain("<think> step99999999999999999999999 : remove red . now the stack is blue")
                  .holds_chain());
  // A stack statement with a word that is no colour is no stack statement.
  EXPECT_FALSE(read_box_chain("<think> remove red . now the stack is blue banana").holds_chain());
}

TEST(BoxChain, StepsAreCheckedOnlyAgainstWellFormedRows) {
  BoxChain chain = read_box_chain("<think> remove red . now the stack is blue . </think>");
  EXPECT_EQ(box_chain_steps_right(chain, row_with_stacks({{"blue"}})), 1u);
  EXPECT_EQ(box_chain_steps_right(chain, nlohmann::json{{"stacks", "blue"}}), 0u);
  EXPECT_EQ(box_chain_steps_right(chain, nlohmann::json{{"stacks", {{1, 2}}}}), 0u);
  EXPECT_EQ(box_chain_steps_right(chain, nlohmann::json::array()), 0u);
  EXPECT_FALSE(is_box_stacking_row(nlohmann::json{{"answer", "12"}}));
  EXPECT_TRUE(is_box_stacking_row(three_step_row()));
}

// A real generated problem, narrated step by step as the corpus narrates its world text: every step is right.
TEST(BoxChain, ANarrationOfAGeneratedProblemIsRightAtEveryStep) {
  const TaskGenerator& task = find_task("box_stacking");
  Example example = task.generate(7, 3, task.difficulty("boxes=4,ops=6,style=terse"));
  ASSERT_EQ(example.row["operations"].size(), 6u);
  std::string think = "the stack is " + stack_answer(example.row["initial_stack"].get<BoxStack>()) + " .";
  for (size_t i = 0; i < 6; ++i) {
    think += " step " + std::to_string(i + 1) + " : " +
             describe_operation(operation_from_json(example.row["operations"][i]), BoxWording::terse) +
             " . now the stack is " + stack_answer(example.row["stacks"][i].get<BoxStack>()) + " .";
  }
  BoxChain chain = read_box_chain("<think> " + think + " </think> <answer> " + example.answer + " </answer>");
  EXPECT_EQ(chain.step_stacks.size(), 6u);
  EXPECT_EQ(box_chain_steps_right(chain, example.row), 6u);
}

TEST(ReasoningTally, SharesAccuraciesAndLengthsOverBoxStackingCompletionsOnly) {
  ReasoningTally tally;
  const std::string worked =
      "<think> put green on top . now the stack is red yellow blue green . move red to the top . now the "
      "stack is red . </think> <answer> blue yellow green red </answer>";
  tally.add(worked, three_step_row(), true);                                      // chain, 1 of 3 steps right
  tally.add("<think> </think> <answer> red </answer>", three_step_row(), false);  // no chain, wrong
  tally.add("<think> a b </think> <answer> x </answer>", three_step_row(), true);  // no chain, right
  tally.add(worked, nlohmann::json{{"answer", "7"}}, true);  // another task's row: not counted
  tally.add("<think> remove red . now the stack is blue </think>", three_step_row(), std::nullopt);
  namespace metric = logs::metric;
  nlohmann::json figures = tally.to_json();
  EXPECT_EQ(tally.completions, 4u);
  EXPECT_DOUBLE_EQ(figures[metric::kChainShare].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(figures[metric::kAccuracyWithChain].get<double>(), 1.0);  // the ungraded one left out
  EXPECT_DOUBLE_EQ(figures[metric::kAccuracyWithoutChain].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(figures[metric::kStackAccuracy].get<double>(), 1.0 / 6.0);  // 1 of 3 + 0 of 3
  EXPECT_DOUBLE_EQ(figures[metric::kThinkWords].get<double>(), (26.0 + 0 + 2 + 8) / 4);
  EXPECT_TRUE(ReasoningTally{}.to_json()[metric::kChainShare].is_null());
}

// A chain ends in the answer when its last step states the final stack, at whatever rank and whether or not
// the completion closes <think>: what a chain computed even when the reward scores it 0.
TEST(ReasoningTally, CountsChainsEndingInTheAnswerWhetherOrNotTheyWriteIt) {
  const std::string
      unclosed =  // right last stack, never closed: format and accuracy fail, the chain is right
      "<think> doing it : the stack is red yellow blue . put green on top . now the stack is red yellow blue "
      "green . swap red and blue . now the stack is blue yellow green red . done : blue yellow green red .";
  const std::string wrong_end = "<think> remove red . now the stack is blue </think> <answer> blue </answer>";
  BoxChain chain = read_box_chain(unclosed);
  EXPECT_TRUE(box_chain_ends_right(chain, three_step_row()));
  EXPECT_FALSE(box_chain_ends_right(read_box_chain(wrong_end), three_step_row()));
  EXPECT_FALSE(box_chain_ends_right(read_box_chain("<think> </think>"), three_step_row()));
  EXPECT_FALSE(box_chain_ends_right(chain, nlohmann::json{{"answer", "7"}}));

  ReasoningTally tally, other;
  tally.add(unclosed, three_step_row(), false);
  tally.add(wrong_end, three_step_row(), false);
  other.add("<think> </think> <answer> red </answer>", three_step_row(), true);  // no chain: not counted
  other.add(unclosed, three_step_row(), false);
  tally.merge(other);
  EXPECT_EQ(tally.chain_ends_right, 2u);
  EXPECT_DOUBLE_EQ(tally.to_json()[logs::metric::kChainEndAccuracy].get<double>(), 2.0 / 3.0);
  EXPECT_TRUE(ReasoningTally{}.to_json()[logs::metric::kChainEndAccuracy].is_null());
}

}  // namespace
}  // namespace grpo
