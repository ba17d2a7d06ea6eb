// The questions of `grpo eval` and `grpo generate`: a data file (its first n rows, 0: all) or task:NAME (n
// problems generated from a seed), with the reward that checks them by default (the task's verifier, else
// accuracy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/example.h"

namespace grpo::app {

struct ProblemSource {
  std::string data;  // a file or task:NAME
  std::string difficulty;
  std::string question_field;
  std::string answer_field;
  size_t n = 200;
  uint64_t seed = 0;  // task:NAME: the problem stream
  bool skip_bad_rows = false;
};

struct Problems {
  std::vector<Example> problems;
  std::string default_reward;
};

Problems read_problems(const ProblemSource& source);

}  // namespace grpo::app
