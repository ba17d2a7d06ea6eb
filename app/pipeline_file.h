// A pipeline file (`grpo pipeline run PIPELINE.toml`), TOML read with toml++:
//
//   [pipeline]
//   output_dir = "runs/r1"      # required: stage NAME writes OUTPUT_DIR/NAME
//   seed = 1                    # optional global options given to every stage: seed, threads, device
//
//   [[stage]]
//   name = "cold-start"         # required, unique: letters, digits, '-', '_'
//   run = "sft"                 # sft | train | generate | distill | eval
//   model = "runs/base"         # any other key is an option of the command: --model runs/base
//   data = "cold_start.jsonl"
//   max-steps = 100             # numbers and booleans as --max-steps=100; an array repeats the option
//
//   [[stage]]
//   name = "rl"
//   run = "train"
//   model = "@cold-start"       # "@NAME": what an earlier stage wrote
//
// "@NAME" may stand for a model (model, teacher, student: the run directory of an sft, train or distill
// stage) or for data (data, eval-data: the rows of a generate stage). The pipeline sets where each stage
// writes (--output-dir, --out) and --resume. Everything is checked before any stage runs: an unknown stage
// kind, a reference to no stage, to a later stage or round a cycle, to a stage that writes the other kind of
// output, a missing model; the first problem is one error naming the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace grpo::app {

struct PipelineOption {
  std::string key;                  // as in the file: "max-steps"
  std::vector<std::string> values;  // one, or an array's
  bool is_array = false;
  int64_t line = 0;
};

struct PipelineStage {
  std::string name;
  std::string run;  // sft | train | generate | distill | eval
  std::vector<PipelineOption> options;
  int64_t line = 0;
  // The stages whose output it reads (indices into Pipeline::stages, all earlier).
  std::vector<size_t> inputs;
};

struct Pipeline {
  std::filesystem::path file;
  std::filesystem::path output_dir;
  std::vector<std::string> global_arguments;  // --seed=1 ...
  std::vector<PipelineStage> stages;
};

// Reads and checks the file; throws grpo::Error ("FILE:LINE: ...") for the first problem.
Pipeline read_pipeline(const std::filesystem::path& file);

// What stage `index` writes: its run directory (sft, train, distill), its rows file (generate) or its
// evaluation (eval: JSON).
std::filesystem::path stage_directory(const Pipeline& pipeline, size_t index);
std::filesystem::path stage_output(const Pipeline& pipeline, size_t index);

// The command line of a stage after `grpo` (global options, the command, its options, where it writes),
// references replaced by the paths of what they name; with `resume`, what continues an interrupted run.
std::vector<std::string> stage_arguments(const Pipeline& pipeline, size_t index, bool resume);

}  // namespace grpo::app
