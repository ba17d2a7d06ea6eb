// The box-stacking pre-training corpus: deterministic, no worked solutions in <think>, correct narrations,
// held-out problems left out.
#include <gtest/gtest.h>

#include <fstream>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "datasets/box_chain.h"
#include "datasets/box_stacking_corpus.h"
#include "datasets/box_world.h"
#include "datasets/task_generator.h"
#include "datasets/task_source.h"
#include "test_support.h"

namespace grpo {
namespace {

BoxCorpusOptions small_options(uint64_t seed) {
  BoxCorpusOptions options;
  options.documents = 2000;
  options.seed = seed;
  return options;
}

std::vector<std::string> words(const std::string& text) {
  std::stringstream stream(text);
  std::vector<std::string> result;
  std::string word;
  while (stream >> word) result.push_back(word);
  return result;
}

// The text between `open` and `close` (exclusive), trimmed; fails the test when the tags are missing.
std::string between(const std::string& text, const std::string& open, const std::string& close) {
  size_t start = text.find(open);
  size_t end = text.find(close);
  EXPECT_NE(start, std::string::npos) << text;
  EXPECT_NE(end, std::string::npos) << text;
  if (start == std::string::npos || end == std::string::npos || end < start) return "";
  std::string inside = text.substr(start + open.size(), end - start - open.size());
  size_t first = inside.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return inside.substr(first, inside.find_last_not_of(' ') - first + 1);
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : " ") + item;
  return text;
}

TEST(BoxStackingCorpus, IsDeterministicBySeed) {
  BoxCorpus first = generate_box_corpus(small_options(7));
  BoxCorpus again = generate_box_corpus(small_options(7));
  BoxCorpus other = generate_box_corpus(small_options(8));
  ASSERT_EQ(first.documents.size(), 2000u);
  size_t differing = 0;
  for (size_t i = 0; i < first.documents.size(); ++i) {
    EXPECT_EQ(first.documents[i].text, again.documents[i].text) << "document " << i;
    if (first.documents[i].text != other.documents[i].text) ++differing;
  }
  EXPECT_GT(differing, 1900u);
}

TEST(BoxStackingCorpus, MixesWorldTextAndQuestionsAsAsked) {
  BoxCorpus corpus = generate_box_corpus(small_options(3));
  std::map<std::string, size_t> kinds;
  std::map<size_t, size_t> question_operations;
  size_t stories = 0;
  size_t partly_narrated = 0;
  for (const auto& document : corpus.documents) {
    ++kinds[document.kind];
    EXPECT_EQ(document.text.find('\n'), std::string::npos);
    if (document.kind == "question") {
      ++question_operations[document.row["operations"].size()];
    } else if (document.row["operations"].size() > 1) {
      ++stories;
      for (const auto& stated : document.row["narrated"]) {
        if (!stated.get<bool>()) {
          ++partly_narrated;
          break;
        }
      }
    }
  }
  EXPECT_NEAR(static_cast<double>(kinds["world"]) / 2000.0, 0.5, 0.05);
  EXPECT_NEAR(static_cast<double>(kinds["question"]) / 2000.0, 0.5, 0.05);
  // 1, 2, 3 operations weighted 3 : 2 : 1, nothing longer.
  EXPECT_EQ(question_operations.size(), 3u);
  EXPECT_GT(question_operations[1], question_operations[2]);
  EXPECT_GT(question_operations[2], question_operations[3]);
  EXPECT_GT(question_operations[3], 0u);
  EXPECT_GT(stories, 300u);
  EXPECT_GT(partly_narrated, stories / 2);
}

// The rule of the demo: no question's <think> works the problem out. A <think> is empty or repeats the
// question; it never states a stack other than the starting one, and the answer is the true final stack.
TEST(BoxStackingCorpus, NoThinkStatesAnIntermediateStack) {
  BoxCorpus corpus = generate_box_corpus(small_options(11));
  size_t repeating = 0;
  size_t empty = 0;
  for (const auto& document : corpus.documents) {
    if (document.kind != "question") {
      EXPECT_EQ(document.text.find("<think>"), std::string::npos) << document.text;
      EXPECT_EQ(document.text.find("<answer>"), std::string::npos) << document.text;
      continue;
    }
    const std::string question = document.row["question"];
    const std::string think = between(document.text, "<think>", "</think>");
    EXPECT_EQ(think, document.row["think"].get<std::string>());
    if (think.empty()) {
      ++empty;
    } else {
      ++repeating;
      EXPECT_EQ(think, box_question_body(question)) << document.text;
    }
    EXPECT_EQ(think.find("now"), std::string::npos) << document.text;
    const auto initial = document.row["initial_stack"].get<std::vector<std::string>>();
    for (const auto& stack : document.row["stacks"]) {
      const auto words_of_stack = stack.get<std::vector<std::string>>();
      if (words_of_stack == initial) continue;  // e.g. a swap undone: the question's own start
      EXPECT_EQ(think.find("stack is " + join(words_of_stack) + " ."), std::string::npos)
          << "an intermediate stack in <think>: " << document.text;
    }
    const auto final_stack = document.row["stacks"].back().get<std::vector<std::string>>();
    EXPECT_EQ(between(document.text, "<answer>", "</answer>"), join(final_stack)) << document.text;
    EXPECT_EQ(document.text.rfind(question, 0), 0u) << "the document starts with the RL prompt";
  }
  EXPECT_GT(repeating, 300u);
  EXPECT_GT(empty, 300u);
}

// The reasoning recipe's corpus (scripts/demo.sh --recipe reason): numbered operations everywhere, every
// stack narrated, questions of 1-2 operations, a stated share of worked documents. Still no document in the
// prompt format holds a chain of stacks in <think> (datasets/box_chain.h, the definition the metrics use),
// and no worked document is in the prompt format; the worked documents' plans and stacks are right.
BoxCorpusOptions reason_options(uint64_t seed) {
  BoxCorpusOptions options = small_options(seed);
  options.numbered = true;
  options.worked_share = 0.04;
  options.story_operations = {1, 8};
  options.narration_probability = 1.0;
  options.question_max_operations = 2;
  options.documents = 5000;
  return options;
}

TEST(BoxStackingCorpus, TheReasoningRecipeHoldsWorkedTextOnlyOutsideThePromptFormat) {
  BoxCorpus corpus = generate_box_corpus(reason_options(13));
  std::map<std::string, size_t> kinds;
  for (const auto& document : corpus.documents) {
    ++kinds[document.kind];
    const bool prompt_format = document.text.find("what is the stack ?") != std::string::npos ||
                               document.text.find("<think>") != std::string::npos ||
                               document.text.find("<answer>") != std::string::npos;
    EXPECT_EQ(prompt_format, document.kind == "question") << document.text;
    if (document.kind == "question") {
      EXPECT_FALSE(read_box_chain(document.text).holds_chain()) << "a worked <think>: " << document.text;
      EXPECT_LE(document.row["operations"].size(), 2u);
      EXPECT_NE(document.text.find(" step 1 : "), std::string::npos) << "numbered: " << document.text;
      continue;
    }
    EXPECT_NE(document.text.find(" step 1 : "), std::string::npos) << "numbered: " << document.text;
    if (document.kind != "worked") continue;
    // Read as a think block, a worked document's "doing it" part is a chain that is right at every step,
    // and its plan lists the same operations first.
    const size_t doing = document.text.find(" doing it : ");
    ASSERT_NE(doing, std::string::npos) << document.text;
    const std::string carried_out = document.text.substr(doing);
    BoxChain chain = read_box_chain("<think>" + carried_out + "</think>");
    const size_t operations = document.row["operations"].size();
    EXPECT_EQ(chain.step_stacks.size(), operations) << document.text;
    EXPECT_EQ(box_chain_steps_right(chain, document.row), operations) << document.text;
    EXPECT_FALSE(read_box_chain("<think>" + document.text.substr(0, doing) + "</think>").holds_chain())
        << "the plan states no stack after an operation: " << document.text;
    EXPECT_EQ(document.text.rfind("plan : the stack is ", 0), 0u) << document.text;
    const auto final_stack = document.row["stacks"].back().get<std::vector<std::string>>();
    EXPECT_NE(document.text.find(" done : " + join(final_stack) + " ."), std::string::npos) << document.text;
  }
  EXPECT_NEAR(static_cast<double>(kinds["worked"]) / 5000.0, 0.04, 0.01);
  EXPECT_GT(kinds["world"], 2000u);
  EXPECT_GT(kinds["question"], 2000u);
}

// --think-close: every question's <think> ends with the given words, after the repeated question or alone,
// and nothing else changes: the same documents, the same answers, still no chain in a <think>.
TEST(BoxStackingCorpus, ThinkCloseOnlyEndsEachThinkWithItsWords) {
  BoxCorpusOptions options = reason_options(17);
  BoxCorpus open = generate_box_corpus(options);
  options.think_close = "done :";
  BoxCorpus closed = generate_box_corpus(options);
  ASSERT_EQ(open.documents.size(), closed.documents.size());
  size_t repeating = 0;
  for (size_t i = 0; i < open.documents.size(); ++i) {
    const BoxCorpusDocument& before = open.documents[i];
    const BoxCorpusDocument& after = closed.documents[i];
    ASSERT_EQ(before.kind, after.kind);
    if (before.kind != "question") {
      EXPECT_EQ(before.text, after.text);
      continue;
    }
    const std::string think = between(before.text, "<think>", "</think>");
    const std::string expected = think.empty() ? "done :" : think + " done :";
    repeating += think.empty() ? 0 : 1;
    EXPECT_EQ(between(after.text, "<think>", "</think>"), expected) << after.text;
    EXPECT_EQ(after.row["think"].get<std::string>(), expected);
    EXPECT_EQ(between(after.text, "<answer>", "</answer>"), between(before.text, "<answer>", "</answer>"));
    EXPECT_FALSE(read_box_chain(after.text).holds_chain()) << "a worked <think>: " << after.text;
  }
  EXPECT_GT(repeating, 500u);
}

// Without worked documents and numbering, the options added for the reasoning recipe change nothing: the
// sharpening demo's corpus stays the same byte for byte.
TEST(BoxStackingCorpus, TheSharpeningCorpusIsUnchangedByTheRecipeOptions) {
  BoxCorpusOptions options = small_options(21);
  BoxCorpus plain = generate_box_corpus(options);
  options.worked_share = 0.0;
  options.numbered = false;
  BoxCorpus again = generate_box_corpus(options);
  ASSERT_EQ(plain.documents.size(), again.documents.size());
  for (size_t i = 0; i < plain.documents.size(); ++i)
    EXPECT_EQ(plain.documents[i].text, again.documents[i].text);
  // The first documents of seed 21, as `grpo --seed 21 corpus box_stacking` wrote them before the options
  // existed.
  EXPECT_EQ(plain.documents[0].text,
            "the stack is green blue red . put purple on top . remove green . swap purple and red . now the "
            "stack is blue purple red . remove purple . now the stack is blue red .");
  EXPECT_EQ(plain.documents[2].text,
            "the stack is red black blue purple . move black to the top . swap purple and black . now the "
            "stack is red blue black purple .");
}

// Reads a world document's own words, applies each operation it names with the world model, and checks every
// "now the stack is ..." it states.
TEST(BoxStackingCorpus, WorldNarrationsAreCorrect) {
  BoxCorpus corpus = generate_box_corpus(small_options(5));
  size_t checked = 0;
  for (const auto& document : corpus.documents) {
    if (document.kind != "world") continue;
    std::vector<std::string> sentences;
    std::string sentence;
    for (const auto& word : words(document.text)) {
      if (word == ".") {
        sentences.push_back(sentence);
        sentence.clear();
      } else {
        sentence += (sentence.empty() ? "" : " ") + word;
      }
    }
    ASSERT_TRUE(sentence.empty()) << "a document ends with a full stop: " << document.text;
    ASSERT_GE(sentences.size(), 3u) << document.text;
    ASSERT_EQ(sentences[0].rfind("the stack is ", 0), 0u) << document.text;
    BoxStack stack = words(sentences[0].substr(13));
    size_t operations = 0;
    for (size_t i = 1; i < sentences.size(); ++i) {
      std::vector<std::string> w = words(sentences[i]);
      if (sentences[i].rfind("now the stack is ", 0) == 0) {
        EXPECT_EQ(join(std::vector<std::string>(w.begin() + 4, w.end())), join(stack)) << document.text;
        ++checked;
        continue;
      }
      BoxOperation operation;
      if (w.size() == 5 && w[0] == "move" && w[2] == "to" && w[4] == "top") {
        operation.kind = BoxOperationKind::move_to_top;
        operation.box = w[1];
      } else if (w.size() == 4 && w[0] == "put" && w[2] == "on" && w[3] == "top") {
        operation.kind = BoxOperationKind::put_on_top;
        operation.box = w[1];
      } else if (w.size() == 2 && w[0] == "remove") {
        operation.kind = BoxOperationKind::remove;
        operation.box = w[1];
      } else if (w.size() == 4 && w[0] == "swap" && w[2] == "and") {
        operation.kind = BoxOperationKind::swap;
        operation.box = w[1];
        operation.other = w[3];
      } else {
        ADD_FAILURE() << "not an operation: '" << sentences[i] << "' in " << document.text;
        break;
      }
      stack = apply_operation(stack, operation);
      ++operations;
    }
    EXPECT_EQ(operations, document.row["operations"].size()) << document.text;
    EXPECT_EQ(sentences.back().rfind("now the stack is ", 0), 0u) << "the final stack is stated";
  }
  EXPECT_GT(checked, 1000u);
}

TEST(BoxStackingCorpus, LeavesOutHeldOutProblems) {
  // An eval set as `grpo eval --data task:box_stacking --data-seed 12345` draws it, plus questions this very
  // corpus would contain, so that leaving them out has to skip something.
  const TaskGenerator& task = find_task("box_stacking");
  BoxCorpusOptions options = small_options(9);
  for (const auto& example :
       generate_distinct_examples(task, task.difficulty("boxes=3-5,ops=1-4,style=terse"), 12345, 400)) {
    options.held_out_questions.insert(example.question);
  }
  size_t taken = 0;
  for (const auto& document : generate_box_corpus(options).documents) {
    if (document.kind == "question" && taken < 50) {
      options.held_out_questions.insert(document.row["question"].get<std::string>());
      ++taken;
    }
  }
  ASSERT_EQ(taken, 50u);
  BoxCorpus corpus = generate_box_corpus(options);
  EXPECT_GE(corpus.held_out_skipped, 50u);
  for (const auto& document : corpus.documents) {
    if (document.kind != "question") continue;
    EXPECT_EQ(options.held_out_questions.count(document.row["question"].get<std::string>()), 0u)
        << document.text;
  }
}

TEST(BoxStackingCorpus, RejectsOptionsOutOfRange) {
  BoxCorpusOptions options = small_options(1);
  options.world_share = 1.5;
  EXPECT_THROW(generate_box_corpus(options), std::exception);
  options = small_options(1);
  options.boxes = {4, 2};
  EXPECT_THROW(generate_box_corpus(options), std::exception);
  options = small_options(1);
  options.colours = 40;
  EXPECT_THROW(generate_box_corpus(options), std::exception);
}

// The subcommand writes one document per line, the same for the same seed, and refuses bad input clearly.
TEST(BoxStackingCorpus, CommandWritesTheCorpus) {
  grpo::testing::TempDir directory;
  const std::string grpo = grpo::testing::grpo_executable().string();
  auto write = [&](const std::string& name) {
    return grpo::testing::run_command(grpo +
                                      " -q --seed 3 corpus box_stacking --docs 300 --hold-out-n 50 --out " +
                                      (directory / name).string() + " 2>&1");
  };
  ASSERT_EQ(write("a.txt").exit_code, 0);
  ASSERT_EQ(write("b.txt").exit_code, 0);
  std::ifstream a(directory / "a.txt");
  std::ifstream b(directory / "b.txt");
  std::string line_a, line_b;
  size_t lines = 0;
  size_t questions = 0;
  while (std::getline(a, line_a)) {
    ASSERT_TRUE(std::getline(b, line_b));
    EXPECT_EQ(line_a, line_b);
    EXPECT_EQ(line_a.rfind("the stack is ", 0), 0u) << line_a;
    if (line_a.find("what is the stack ? <think>") != std::string::npos) ++questions;
    ++lines;
  }
  EXPECT_EQ(lines, 300u);
  EXPECT_GT(questions, 100u);

  auto unknown = grpo::testing::run_command(grpo + " corpus countdown --docs 5 --out " +
                                            (directory / "c.txt").string() + " 2>&1");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("box_stacking"), std::string::npos) << unknown.output;
  auto same_seed =
      grpo::testing::run_command(grpo + " --seed 12345 corpus box_stacking --docs 5 --hold-out-n 5 --out " +
                                 (directory / "d.txt").string() + " 2>&1");
  EXPECT_NE(same_seed.exit_code, 0);
  EXPECT_NE(same_seed.output.find("--hold-out-seed"), std::string::npos) << same_seed.output;
}

}  // namespace
}  // namespace grpo
