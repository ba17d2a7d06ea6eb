// `grpo report RUN_DIR [-o FILE]`: one self-contained HTML page with a run's curves, evaluations,
// configuration and a completion browser.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "app/command.h"
#include "logs/report_page.h"
#include "logs/run_layout.h"

namespace grpo::app {
namespace {

struct ReportCommandOptions {
  std::string run_dir;
  std::string output;  // empty: RUN_DIR/report.html
  logs::ReportOptions report;
};

void run_report(const ReportCommandOptions& options) {
  std::filesystem::path output = options.output.empty()
                                     ? std::filesystem::path(options.run_dir) / logs::kReportFile
                                     : std::filesystem::path(options.output);
  logs::ReportSummary summary = logs::write_report(options.run_dir, output, options.report);
  for (const auto& warning : summary.warnings) fmt::print(stderr, "grpo report: warning: {}\n", warning);
  fmt::print("wrote {} ({:.1f} KiB): {} steps of metrics, {} evaluations, {} completions from {} steps\n",
             summary.output.string(), static_cast<double>(summary.bytes) / 1024.0, summary.metric_steps,
             summary.evals, summary.completions, summary.steps_with_completions);
}

void add_report_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ReportCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Write one self-contained HTML page showing a run (opens offline in a browser)");
  command->add_option("RUN_DIR", options->run_dir, "The run directory the trainer wrote")->required();
  command->add_option("-o,--output", options->output,
                      "Where to write the page (default: RUN_DIR/report.html)");
  command
      ->add_option("--completion-steps", options->report.max_steps_with_completions,
                   "Embed the completions of at most N steps, evenly spaced")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--completions-per-step", options->report.completions_per_step,
                   "Embed at most N completions per step")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--max-chars", options->report.max_completion_chars,
                   "Shorten a completion longer than N bytes in the middle")
      ->check(CLI::Range(size_t{200}, size_t{10000000}));
  command->callback([options, &context] { context.action = [options] { run_report(*options); }; });
}

const CommandRegistration registration{"report", 81, add_report_command};

}  // namespace
}  // namespace grpo::app
