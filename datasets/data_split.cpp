#include "datasets/data_split.h"

#include <cmath>
#include <numeric>

#include "core/error.h"
#include "datasets/seeded_random.h"

namespace grpo {

DataSplit split_examples(std::vector<Example> examples, size_t eval_count, uint64_t seed) {
  if (eval_count >= examples.size()) {
    fail(
        "cannot hold out {} examples for evaluation from a data set of {}: nothing would be left to train "
        "on; "
        "lower the eval size or give a separate eval file",
        eval_count, examples.size());
  }
  std::vector<size_t> indices(examples.size());
  std::iota(indices.begin(), indices.end(), size_t{0});
  SeededRandom random = SeededRandom::for_item(seed, "eval split", 0);
  random.shuffle(indices);
  std::vector<bool> in_eval(examples.size(), false);
  for (size_t i = 0; i < eval_count; ++i) in_eval[indices[i]] = true;

  DataSplit split;
  split.eval.reserve(eval_count);
  split.train.reserve(examples.size() - eval_count);
  for (size_t i = 0; i < examples.size(); ++i) {
    (in_eval[i] ? split.eval : split.train).push_back(std::move(examples[i]));
  }
  return split;
}

size_t eval_count_for_fraction(double fraction, size_t total) {
  if (!(fraction >= 0.0 && fraction < 1.0)) fail("the eval fraction must be in [0, 1), got {}", fraction);
  if (fraction == 0.0) return 0;
  size_t count = static_cast<size_t>(std::llround(fraction * static_cast<double>(total)));
  return count == 0 ? 1 : count;
}

}  // namespace grpo
