// A pre-training corpus for the box-stacking demo: world text (how operations change a stack, narrated),
// questions in the RL prompt format answered with the final stack only, and optionally a stated share of
// worked documents in a format other than the prompt's (the analogue of worked text on the web). No document
// in the prompt format works a problem out in <think>: carrying the habit there is left to reinforcement
// learning.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "datasets/box_world.h"
#include "datasets/difficulty.h"
#include "datasets/seeded_random.h"

namespace grpo {

struct BoxCorpusOptions {
  size_t documents = 60000;
  uint64_t seed = 1;
  double world_share = 0.5;  // share of world-text documents (of those not worked); the rest are questions
  double single_operation_share = 0.5;  // share of world documents with one operation; the rest are stories
  IntRange story_operations{2, 6};      // operations in a multi-operation story
  double narration_probability =
      0.5;               // chance that a story states the stack after an operation (not the last)
  IntRange boxes{3, 5};  // boxes in a starting stack
  size_t colours = 8;    // the first N colours of the palette
  int64_t question_max_operations = 3;  // questions have 1..N operations, weighted N : N-1 : ... : 1
  double repeat_think_share =
      0.5;  // share of questions whose <think> repeats the question (else it is empty)
  // The reasoning recipe (scripts/demo.sh --recipe reason; ../shared/docs/EMERGENCE.md). Defaults keep the
  // sharpening corpus byte for byte.
  bool numbered = false;    // operations written "step 1 : remove red ." in world text and questions
  double worked_share = 0;  // share of worked documents, in a format that is not the prompt's (below)
  // Words every question's <think> ends with (after the repeated question, or alone), e.g. "done :", the
  // worked documents' word before their result: a narration in <think> then has a way to close into an
  // answer. The <think> still holds no stack of its own. Empty: nothing added.
  std::string think_close;
  // Questions that must not appear (a held-out evaluation set): a generated question equal to one is skipped.
  std::unordered_set<std::string> held_out_questions;
};

struct BoxCorpusDocument {
  std::string kind;  // "world", "question" or "worked"
  std::string text;  // one line, no newline
  // world:    {"initial_stack", "operations", "stacks" (after each operation), "narrated" (stated or not)}
  // worked:   the same as world (every stack stated)
  // question: the task row (question, answer, initial_stack, operations, stacks, ...) plus "think"
  nlohmann::json row;
};

struct BoxCorpus {
  std::vector<BoxCorpusDocument> documents;
  size_t held_out_skipped = 0;  // generated questions skipped because they are held out
};

// The question text's body (its stack and operations, without " what is the stack ?"): what a repeating
// <think> holds.
std::string box_question_body(const std::string& question);

// A world-text document for item `index` of the corpus: "the stack is A B C . move A to the top . now the
// stack is B C A ." (terse wording).
BoxCorpusDocument box_world_document(const BoxCorpusOptions& options, uint64_t index);

// A worked document: a plan, then the plan carried out with every stack stated, in a format that is not the
// prompt format (no question, no <think>, no <answer>): "plan : the stack is A B C . step 1 : remove A .
// step 2 : ... . doing it : the stack is A B C . step 1 : remove A . now the stack is B C . ... done : C B ."
// Its operations follow story_operations; numbered or not as options.numbered says.
BoxCorpusDocument box_worked_document(const BoxCorpusOptions& options, uint64_t index);

// The whole corpus, deterministic in options.seed. Throws on options out of range.
BoxCorpus generate_box_corpus(const BoxCorpusOptions& options);

}  // namespace grpo
