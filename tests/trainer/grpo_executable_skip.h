// Command tests run the real grpo executable; without it built they skip, naming the target to build.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

#define SKIP_WITHOUT_GRPO()                                                                    \
  if (!std::filesystem::exists(::grpo::testing::grpo_executable()))                            \
  GTEST_SKIP() << "the grpo executable is not built at " << ::grpo::testing::grpo_executable() \
               << " (build target `grpo`)"
