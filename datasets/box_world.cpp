#include "datasets/box_world.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace grpo {

const std::vector<std::string>& box_colours() {
  static const std::vector<std::string> colours = {"red",    "blue",   "yellow", "green", "black", "white",
                                                   "orange", "purple", "pink",   "brown", "grey",  "cyan"};
  return colours;
}

namespace {

bool contains(const BoxStack& stack, const std::string& box) {
  return std::find(stack.begin(), stack.end(), box) != stack.end();
}

// "a" or "an" before a word ("an orange box").
const char* article_for(const std::string& word) {
  return !word.empty() && std::string("aeiou").find(word[0]) != std::string::npos ? "an" : "a";
}

}  // namespace

std::optional<std::string> why_invalid(const BoxStack& stack, const BoxOperation& operation) {
  switch (operation.kind) {
    case BoxOperationKind::move_to_top:
      if (!contains(stack, operation.box)) return fmt::format("there is no {} box to move", operation.box);
      if (stack.back() == operation.box) return fmt::format("the {} box is already on top", operation.box);
      return std::nullopt;
    case BoxOperationKind::put_on_top:
      if (contains(stack, operation.box))
        return fmt::format("there is a {} box in the stack already", operation.box);
      return std::nullopt;
    case BoxOperationKind::remove:
      if (!contains(stack, operation.box)) return fmt::format("there is no {} box to remove", operation.box);
      return std::nullopt;
    case BoxOperationKind::swap:
      if (operation.box == operation.other)
        return fmt::format("cannot swap the {} box with itself", operation.box);
      if (!contains(stack, operation.box)) return fmt::format("there is no {} box to swap", operation.box);
      if (!contains(stack, operation.other))
        return fmt::format("there is no {} box to swap", operation.other);
      return std::nullopt;
  }
  return "unknown operation";
}

BoxStack apply_operation(const BoxStack& stack, const BoxOperation& operation) {
  if (auto problem = why_invalid(stack, operation)) {
    fail("cannot {} on the stack [{}]: {}", describe_operation(operation, BoxWording::terse),
         stack_answer(stack), *problem);
  }
  BoxStack next = stack;
  switch (operation.kind) {
    case BoxOperationKind::move_to_top:
      next.erase(std::find(next.begin(), next.end(), operation.box));
      next.push_back(operation.box);
      break;
    case BoxOperationKind::put_on_top:
      next.push_back(operation.box);
      break;
    case BoxOperationKind::remove:
      next.erase(std::find(next.begin(), next.end(), operation.box));
      break;
    case BoxOperationKind::swap:
      std::iter_swap(std::find(next.begin(), next.end(), operation.box),
                     std::find(next.begin(), next.end(), operation.other));
      break;
  }
  return next;
}

std::vector<BoxStack> apply_operations(const BoxStack& start, const std::vector<BoxOperation>& operations) {
  std::vector<BoxStack> stacks;
  BoxStack current = start;
  for (const auto& operation : operations) {
    current = apply_operation(current, operation);
    stacks.push_back(current);
  }
  return stacks;
}

std::optional<BoxOperation> random_operation(const BoxStack& stack,
                                             const std::vector<BoxOperationKind>& kinds, size_t palette_size,
                                             SeededRandom& random) {
  std::vector<std::string> absent;
  for (size_t i = 0; i < palette_size && i < box_colours().size(); ++i) {
    if (!contains(stack, box_colours()[i])) absent.push_back(box_colours()[i]);
  }
  std::vector<BoxOperationKind> possible;
  for (BoxOperationKind kind : kinds) {
    bool applies = kind == BoxOperationKind::put_on_top ? !absent.empty() : stack.size() >= 2;
    if (applies) possible.push_back(kind);
  }
  if (possible.empty()) return std::nullopt;
  BoxOperation operation;
  operation.kind = random.pick(possible);
  switch (operation.kind) {
    case BoxOperationKind::move_to_top:
      operation.box = stack[random.index(stack.size() - 1)];  // any box but the top one
      break;
    case BoxOperationKind::put_on_top:
      operation.box = random.pick(absent);
      break;
    case BoxOperationKind::remove:
      operation.box = random.pick(stack);
      break;
    case BoxOperationKind::swap: {
      size_t first = random.index(stack.size());
      size_t second = random.index(stack.size() - 1);
      if (second >= first) ++second;
      operation.box = stack[first];
      operation.other = stack[second];
      break;
    }
  }
  return operation;
}

std::string describe_operation(const BoxOperation& operation, BoxWording wording) {
  bool terse = wording == BoxWording::terse;
  switch (operation.kind) {
    case BoxOperationKind::move_to_top:
      return terse ? fmt::format("move {} to the top", operation.box)
                   : fmt::format("take the {} box out and put it on top", operation.box);
    case BoxOperationKind::put_on_top:
      return terse ? fmt::format("put {} on top", operation.box)
                   : fmt::format("put {} {} box on top", article_for(operation.box), operation.box);
    case BoxOperationKind::remove:
      return terse ? fmt::format("remove {}", operation.box)
                   : fmt::format("remove the {} box", operation.box);
    case BoxOperationKind::swap:
      return terse ? fmt::format("swap {} and {}", operation.box, operation.other)
                   : fmt::format("swap the {} box and the {} box", operation.box, operation.other);
  }
  return "?";
}

std::string box_step_label(size_t index, bool numbered) {
  return numbered ? fmt::format("step {} : ", index + 1) : std::string();
}

std::string describe_stack(const BoxStack& stack, BoxWording wording) {
  if (wording == BoxWording::terse) return stack_answer(stack);
  if (stack.empty()) return "no boxes at all";
  if (stack.size() == 1) return fmt::format("a single {} box", stack[0]);
  std::string text = stack[0] + " at the bottom";
  for (size_t i = 1; i + 1 < stack.size(); ++i) text += ", then " + stack[i];
  text += (stack.size() == 2 ? " and " : ", then ") + stack.back() + " on top";
  return text;
}

std::string stack_answer(const BoxStack& stack) {
  return fmt::format("{}", fmt::join(stack, " "));
}

std::string operation_kind_name(BoxOperationKind kind) {
  switch (kind) {
    case BoxOperationKind::move_to_top:
      return "move_to_top";
    case BoxOperationKind::put_on_top:
      return "put_on_top";
    case BoxOperationKind::remove:
      return "remove";
    case BoxOperationKind::swap:
      return "swap";
  }
  return "?";
}

BoxOperationKind parse_operation_kind(const std::string& name) {
  if (name == "move_to_top" || name == "move") return BoxOperationKind::move_to_top;
  if (name == "put_on_top" || name == "put") return BoxOperationKind::put_on_top;
  if (name == "remove") return BoxOperationKind::remove;
  if (name == "swap") return BoxOperationKind::swap;
  fail("unknown box operation '{}'; known: move (move_to_top), put (put_on_top), remove, swap", name);
}

nlohmann::json operation_to_json(const BoxOperation& operation) {
  nlohmann::json value = {{"op", operation_kind_name(operation.kind)}, {"box", operation.box}};
  if (operation.kind == BoxOperationKind::swap) value["other"] = operation.other;
  return value;
}

BoxOperation operation_from_json(const nlohmann::json& value) {
  try {
    BoxOperation operation;
    operation.kind = parse_operation_kind(value.at("op").get<std::string>());
    operation.box = value.at("box").get<std::string>();
    if (operation.kind == BoxOperationKind::swap) operation.other = value.at("other").get<std::string>();
    return operation;
  } catch (const nlohmann::json::exception& e) {
    fail("malformed box operation {}: {}", value.dump(), e.what());
  }
}

std::string number_in_words(size_t number) {
  static const char* const words[] = {"zero",     "one",      "two",      "three",   "four",    "five",
                                      "six",      "seven",    "eight",    "nine",    "ten",     "eleven",
                                      "twelve",   "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                      "eighteen", "nineteen", "twenty"};
  return number <= 20 ? words[number] : std::to_string(number);
}

}  // namespace grpo
