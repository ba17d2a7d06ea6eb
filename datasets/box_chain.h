// What "a box-stacking completion holds a chain" means, defined once for the trainer's metrics, `grpo eval`,
// the demo's gate and `grpo logs --chain` (docs/LOGS.md, "Reasoning").
//
// The think block is taken by logs::split_completion's rules (an unclosed block runs to the end of the text).
// It is read as sentences of lowercase words: a sentence ends at each "." ("red." reads as "red ."), ":" is
// a word of its own, any other character that is not a letter or a digit separates words. A leading
// "step N :" is dropped from a sentence. Two kinds of sentence count:
// - a stack statement: "[now] the stack is C1 ... Cn", n >= 1 colour names of the palette (bottom first);
// - an operation statement: "move X to the top", "put X on top", "remove X" or "swap X and Y" (X, Y colours).
// A *step* is an operation statement directly followed by a stack statement: the state after an operation,
// written out. A completion *holds a chain* when its think block holds at least one step. A think block that
// only repeats the question ("the stack is A B . remove A .") holds none; wrong steps (an invented operation,
// a wrong stack) still count as a chain: correctness is measured separately (box_chain_steps_right).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "datasets/box_world.h"

namespace grpo {

struct BoxChain {
  std::vector<BoxStack> step_stacks;  // the stack each step states, in the order written
  size_t think_words = 0;             // words in the think block (whitespace-separated); 0 without one
  bool has_think = false;

  bool holds_chain() const { return !step_stacks.empty(); }
};

// Reads the completion's think block. Linear in the text; any bytes are accepted.
BoxChain read_box_chain(std::string_view completion);

// A box-stacking task row: "stacks" (the stack after each operation) is an array of arrays of strings.
bool is_box_stacking_row(const nlohmann::json& row);

// Steps whose stack equals the problem's stack after the operation of the same rank: step i (from 0) against
// row["stacks"][i]; steps beyond the problem's operations count as wrong. 0 for a row that is not a task row.
size_t box_chain_steps_right(const BoxChain& chain, const nlohmann::json& row);

// Whether the chain's last step states the problem's final stack (its answer), at whatever rank. False for a
// completion without a chain and for a row that is not a task row.
bool box_chain_ends_right(const BoxChain& chain, const nlohmann::json& row);

// The reasoning figures of a set of completions (one training step, one evaluation pass).
struct ReasoningTally {
  size_t completions = 0;
  size_t with_chain = 0;
  size_t graded_with_chain = 0, correct_with_chain = 0;  // graded: correctness known
  size_t graded_without_chain = 0, correct_without_chain = 0;
  size_t chain_steps_right = 0;  // over completions holding a chain: steps right ...
  size_t chain_operations = 0;   // ... of the problems' operations
  size_t chain_ends_right = 0;   // completions whose chain ends in the answer (box_chain_ends_right)
  double think_words = 0;        // summed

  // `correct`: the completion's answer is right (nullopt: not graded). A completion whose row is not a
  // box-stacking row (is_box_stacking_row) is not counted at all.
  void add(std::string_view completion, const nlohmann::json& row, std::optional<bool> correct);

  // Adds another tally's counts (another rank's share of an evaluation).
  void merge(const ReasoningTally& other);

  // Under logs/metric_names.h's "reasoning/..." names; a share with nothing to divide is null:
  // chain_share, accuracy_with_chain, accuracy_without_chain, stack_accuracy (steps right / operations over
  // the completions holding a chain), chain_end_accuracy (chains ending in the answer / chains), think_words
  // (mean).
  nlohmann::json to_json() const;
};

}  // namespace grpo
