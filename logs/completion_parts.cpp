#include "logs/completion_parts.h"

namespace grpo::logs {

namespace {
constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kAnswerOpen = "<answer>";
constexpr std::string_view kAnswerClose = "</answer>";
constexpr auto npos = std::string_view::npos;

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
}  // namespace

CompletionParts split_completion(std::string_view text) {
  CompletionParts parts;
  size_t answer_search_from = 0;
  size_t open = text.find(kThinkOpen);
  size_t close = text.find(kThinkClose);
  if (close != npos && (open == npos || close < open)) {
    parts.think = TextSpan{0, close};
    parts.think_closed = true;
    answer_search_from = close + kThinkClose.size();
  } else if (open != npos) {
    size_t begin = open + kThinkOpen.size();
    size_t end = text.find(kThinkClose, begin);
    parts.think_closed = end != npos;
    parts.think = TextSpan{begin, parts.think_closed ? end : text.size()};
    if (!parts.think_closed) return parts;
    answer_search_from = end + kThinkClose.size();
  }
  size_t answer_open = text.find(kAnswerOpen, answer_search_from);
  if (answer_open == npos) return parts;
  size_t begin = answer_open + kAnswerOpen.size();
  size_t end = text.find(kAnswerClose, begin);
  parts.answer_closed = end != npos;
  parts.answer = TextSpan{begin, parts.answer_closed ? end : text.size()};
  return parts;
}

std::optional<std::string> part_text(std::string_view completion, const std::optional<TextSpan>& span) {
  if (!span) return std::nullopt;
  std::string_view part = completion.substr(span->begin, span->size());
  while (!part.empty() && is_space(part.front())) part.remove_prefix(1);
  while (!part.empty() && is_space(part.back())) part.remove_suffix(1);
  return std::string(part);
}

}  // namespace grpo::logs
