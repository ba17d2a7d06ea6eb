// Splits a completion into its <think> and <answer> parts with one linear scan (no regex on untrusted text).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace grpo::logs {

// Byte offsets [begin, end) into the completion: the text between a tag and its closing tag.
struct TextSpan {
  size_t begin = 0;
  size_t end = 0;
  size_t size() const { return end - begin; }
};

struct CompletionParts {
  std::optional<TextSpan> think;   // the reasoning
  std::optional<TextSpan> answer;  // the final answer
  bool think_closed = false;       // false when the text ended inside the block (cut by the length limit)
  bool answer_closed = false;
};

// The rules (docs/LOGS.md):
// - think: the text between the first <think> and the next </think>. When a </think> comes before any <think>
//   (the prompt ended with "<think>", so the completion starts inside the block), the text before it. An
//   opened block that never closes runs to the end of the text.
// - answer: the text between the first <answer> after the think block and the next </answer> (or the end of
// the
//   text when it never closes). Nothing when the think block never closed.
CompletionParts split_completion(std::string_view completion);

// The part's text with surrounding whitespace trimmed, or nothing when the part is absent.
std::optional<std::string> part_text(std::string_view completion, const std::optional<TextSpan>& span);

}  // namespace grpo::logs
