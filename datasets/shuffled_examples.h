// ShuffledExamples: a loaded data set drawn in a fresh seeded order each epoch, with an exact cursor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/example_source.h"

namespace grpo {

class ShuffledExamples : public ExampleSource {
 public:
  // `epochs` = 0: endless (a new order every epoch). `shuffle` = false keeps the file order.
  ShuffledExamples(std::vector<Example> examples, uint64_t seed, size_t epochs = 0, bool shuffle = true,
                   std::string name = "data");

  std::vector<Example> next_batch(size_t count) override;
  nlohmann::json cursor() const override;
  void restore(const nlohmann::json& cursor) override;
  std::optional<size_t> size() const override { return examples_.size(); }
  std::string describe() const override;

  size_t epoch() const { return epoch_; }        // 0-based epoch of the next example
  size_t position() const { return position_; }  // its place within that epoch's order
  bool exhausted() const { return epochs_ > 0 && epoch_ >= epochs_; }
  const std::vector<Example>& examples() const { return examples_; }
  // A hash of every example's id, question and answer (hex), so that a cursor cannot be restored onto other
  // data.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  void compute_order();

  std::vector<Example> examples_;
  uint64_t seed_;
  size_t epochs_;
  bool shuffle_;
  std::string name_;
  std::string fingerprint_;
  std::vector<size_t> order_;  // this epoch's order: indices into examples_
  size_t epoch_ = 0;
  size_t position_ = 0;
};

// Fingerprint of a list of examples (FNV-1a over ids, questions and answers), as 16 hex digits.
std::string fingerprint_examples(const std::vector<Example>& examples);

}  // namespace grpo
