// The box-stacking world: a stack of coloured boxes (bottom to top) and the operations on it, applied and put
// into words, so that the task generator, its verifier and a pre-training corpus generator share one world.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "datasets/seeded_random.h"

namespace grpo {

using BoxStack = std::vector<std::string>;  // colour names, bottom first

enum class BoxOperationKind {
  move_to_top,  // "move X to the top": take X out and put it on top (X is not on top already)
  put_on_top,   // "put X on top": a new box of a colour not in the stack
  remove,       // "remove X"
  swap,         // "swap X and Y": X and Y trade places
};

struct BoxOperation {
  BoxOperationKind kind = BoxOperationKind::move_to_top;
  std::string box;    // X
  std::string other;  // Y, for swap only
};

// How text about the world is worded: plain English sentences, or the word-level vocabulary of the prototype
// ("move blue to the top", "the stack is red blue").
enum class BoxWording { english, terse };

// The colour palette, in order; a task with `colours` = N uses the first N.
const std::vector<std::string>& box_colours();

// Why `operation` cannot be applied to `stack` ("there is no green box"), or nullopt when it can.
std::optional<std::string> why_invalid(const BoxStack& stack, const BoxOperation& operation);
// The stack after the operation; throws grpo::Error when it cannot be applied.
BoxStack apply_operation(const BoxStack& stack, const BoxOperation& operation);
// Every stack after each operation in turn (the last one is the final stack).
std::vector<BoxStack> apply_operations(const BoxStack& start, const std::vector<BoxOperation>& operations);

// A random valid operation on `stack`, of one of the `kinds` allowed, drawing new colours from the first
// `palette_size` colours. nullopt when no allowed kind applies (e.g. only "put" and every colour is used).
std::optional<BoxOperation> random_operation(const BoxStack& stack,
                                             const std::vector<BoxOperationKind>& kinds, size_t palette_size,
                                             SeededRandom& random);

// English: "take the blue box out and put it on top", "put a green box on top" ("an orange box"), "remove the
// red box",
//          "swap the red box and the blue box".
// Terse:   "move blue to the top", "put green on top", "remove red", "swap red and blue".
std::string describe_operation(const BoxOperation& operation, BoxWording wording);
// The label before operation `index` (from 0) in numbered text: "step 3 : " for index 2; "" when not
// numbered.
std::string box_step_label(size_t index, bool numbered);
// English: "red at the bottom, then blue, then yellow on top" ("a single red box" for one box).
// Terse:   "red blue yellow".
std::string describe_stack(const BoxStack& stack, BoxWording wording);
// The answer form: colour names bottom to top, lowercase, separated by single spaces.
std::string stack_answer(const BoxStack& stack);

// Structured form for rows: {"op": "move_to_top" | "put_on_top" | "remove" | "swap", "box": X, "other": Y}.
nlohmann::json operation_to_json(const BoxOperation& operation);
BoxOperation operation_from_json(const nlohmann::json& value);
std::string operation_kind_name(BoxOperationKind kind);  // "move_to_top"
BoxOperationKind parse_operation_kind(
    const std::string& name);  // "move_to_top" or the short "move"/"put"/...

// "three" for 3 (numbers up to twenty in words, larger ones as digits).
std::string number_in_words(size_t number);

}  // namespace grpo
