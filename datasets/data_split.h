// Holding some examples out for evaluation: a seeded train/eval split of one data set.
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/example.h"

namespace grpo {

struct DataSplit {
  std::vector<Example> train;
  std::vector<Example> eval;
};

// Moves `eval_count` examples, chosen by `seed`, into eval; both halves keep the original order. Throws when
// eval_count would leave nothing to train on.
DataSplit split_examples(std::vector<Example> examples, size_t eval_count, uint64_t seed);

// The number of eval examples for a fraction of `total` (rounded, at least 1 when the fraction is above 0).
size_t eval_count_for_fraction(double fraction, size_t total);

}  // namespace grpo
