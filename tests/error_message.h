// Checking errors in tests: the message of the grpo::Error an action must throw, and that a message names
// every expected part.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "core/error.h"

namespace grpo::testing {

// Runs `action`, which must throw grpo::Error; returns its message (a test failure and "" when nothing is
// thrown).
template <typename Action>
std::string error_of(Action&& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a grpo::Error";
  return "";
}

inline void expect_mentions(const std::string& message, std::initializer_list<std::string> parts) {
  for (const auto& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << message << "\n  lacks: " << part;
  }
}

}  // namespace grpo::testing
