// ExampleSource: where the trainer draws its questions from, a batch at a time, with a cursor that a
// checkpoint saves and restores exactly. Implemented by ShuffledExamples (a loaded file) and TaskSource (a
// generator).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "datasets/example.h"

namespace grpo {

class ExampleSource {
 public:
  virtual ~ExampleSource() = default;

  // The next `count` examples in training order. Fewer (or none) only when a source with a fixed number of
  // epochs has run out.
  virtual std::vector<Example> next_batch(size_t count) = 0;

  // Where the source stands, as JSON for a checkpoint; restore() puts a source built from the same data and
  // settings back there, so that the following batches are the ones the saved run would have drawn. restore()
  // throws when the cursor belongs to other data or settings.
  virtual nlohmann::json cursor() const = 0;
  virtual void restore(const nlohmann::json& cursor) = 0;

  // Examples per epoch, or nullopt for an endless generator.
  virtual std::optional<size_t> size() const = 0;
  // One line for logs: "gsm8k/train.jsonl: 7473 rows, epoch 2, row 130".
  virtual std::string describe() const = 0;
};

}  // namespace grpo
