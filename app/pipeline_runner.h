// Running a pipeline (pipeline_file.h): each stage in order as a subprocess of grpo (the same executable,
// so `grpo` hands the torch commands to grpo-torch as for any command line). OUTPUT_DIR/pipeline-state.json
// records each stage as running or finished, with its command line: a finished stage is not run again; a
// stage that was running when the pipeline stopped (a signal, a crash, an error) is started again with
// --resume, so that it continues from its checkpoint (train, sft, distill) or its rows (generate). A signal
// to the pipeline (SIGINT, SIGTERM) is passed to the running stage, which saves and stops; the pipeline then
// stops with the stage's exit status. After every stage OUTPUT_DIR/report.html is written again: one page
// with every stage (status, time, last metrics, evaluations, rows kept) and each run's own report.
#pragma once

#include <filesystem>

#include "app/pipeline_file.h"

namespace grpo::app {

// Runs what is left of the pipeline; returns the exit status (0: every stage finished).
int run_pipeline(const Pipeline& pipeline, const std::filesystem::path& grpo_executable);

// Writes OUTPUT_DIR/report.html from what the stages have written so far; returns its path.
std::filesystem::path write_pipeline_report(const Pipeline& pipeline);

}  // namespace grpo::app
