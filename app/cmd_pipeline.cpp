// `grpo pipeline run PIPELINE.toml`: the stages of a pipeline file (app/pipeline_file.h) one after the other,
// each a subprocess of grpo, each taking its model (or rows) from an earlier stage; a stopped pipeline run
// again resumes in the stage where it stopped (app/pipeline_runner.h). `grpo pipeline check` reads and checks
// the file and prints the stages' command lines without running them; `grpo pipeline report` writes the
// pipeline's page from what the stages have written so far.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "app/command.h"
#include "app/pipeline_file.h"
#include "app/pipeline_runner.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

fs::path this_executable(const char* fallback) {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path(fallback) : self;
}

void add_pipeline_command(CLI::App& app, CommandContext& context) {
  auto file = std::make_shared<std::string>();
  CLI::App* pipeline = app.add_subcommand(
      "pipeline",
      "Multi-stage recipes (sft, train, generate, distill, eval), each stage taking its model from an "
      "earlier\n"
      "one; finished stages are not run again and a stopped pipeline resumes in its current stage. Example:\n"
      "  grpo pipeline run examples/pipelines/r1.toml");
  pipeline->require_subcommand(1);
  CLI::App* run = pipeline->add_subcommand("run", "Run what is left of the pipeline");
  CLI::App* check = pipeline->add_subcommand("check", "Check the file and print each stage's command line");
  CLI::App* report =
      pipeline->add_subcommand("report", "Write OUTPUT_DIR/report.html from the stages so far");
  for (CLI::App* command : {run, check, report})
    command->add_option("PIPELINE", *file, "The pipeline file (TOML)")->required();
  run->callback([file, &context] {
    context.action = [file] {
      const Pipeline pipeline = read_pipeline(*file);
      const int status = run_pipeline(pipeline, this_executable("grpo"));
      if (status != 0) {
        std::fflush(stdout);
        std::exit(status);
      }
    };
  });
  check->callback([file, &context] {
    context.action = [file] {
      const Pipeline pipeline = read_pipeline(*file);
      fmt::print("{}: {} stages, output in {}\n", *file, pipeline.stages.size(),
                 pipeline.output_dir.string());
      for (size_t i = 0; i < pipeline.stages.size(); ++i)
        fmt::print("  {}. {} ({}): grpo {}\n", i + 1, pipeline.stages[i].name, pipeline.stages[i].run,
                   fmt::join(stage_arguments(pipeline, i, false), " "));
    };
  });
  report->callback([file, &context] {
    context.action = [file] {
      fmt::print("wrote {}\n", write_pipeline_report(read_pipeline(*file)).string());
    };
  });
}

const CommandRegistration registration{"pipeline", 70, add_pipeline_command};

}  // namespace
}  // namespace grpo::app
