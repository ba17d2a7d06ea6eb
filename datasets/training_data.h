// One call from settings to what the trainer draws from: a training source (a data file or a task generator)
// and a fixed eval set (held out of the training file, a separate eval file, or generated from its own seed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset_loader.h"
#include "datasets/example_source.h"

namespace grpo {

struct DataSettings {
  std::string train;         // a data file, or "task:NAME" for a built-in generator ("task:box_stacking")
  std::string eval;          // a separate eval file (or "task:NAME"); empty: hold out part of `train`
  size_t eval_size = 0;      // eval examples to hold out or generate (0 with no eval file: no eval set)
  double eval_fraction = 0;  // alternative to eval_size for files: this share of the rows
  LoadOptions load;          // format, fields, skip_bad_rows, max_rows
  uint64_t seed = 1;         // shuffling (files), the training stream (tasks)
  uint64_t eval_seed = 0;    // the eval split (files) or the eval stream (tasks); 0: seed + 1000003
  size_t epochs = 0;         // passes over a file (0: endless); tasks are endless
  bool shuffle = true;
  std::string difficulty;  // for tasks: a preset or knob=value list (see difficulty.h)
};

struct TrainingData {
  std::unique_ptr<ExampleSource> train;
  std::vector<Example> eval;
  std::vector<std::string> notes;  // one line per source loaded: rows, mapping, skipped rows
  std::string reward_name;         // the verifier reward of a task source ("" for files)
};

// Throws grpo::Error with what is wrong (missing file, bad rows, unknown task, empty data, eval too large).
TrainingData open_training_data(const DataSettings& settings);

// "task:box_stacking" -> "box_stacking"; "" for anything else.
std::string task_name_of(const std::string& source);

}  // namespace grpo
