// Small string predicates that std::string gains only in C++20.
#pragma once

#include <string>

namespace grpo {

inline bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace grpo
