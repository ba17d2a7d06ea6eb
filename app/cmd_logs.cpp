// `grpo logs RUN_DIR`: read a run's logs on a terminal: the per-step summary, a step's completions, the best
// or worst ones, filters, one question across steps, and --follow while the run goes; --json for scripts.
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "app/command.h"
#include "core/error.h"
#include "datasets/box_chain.h"
#include "logs/rollout_query.h"
#include "logs/run_activity.h"
#include "logs/run_follower.h"
#include "logs/run_reader.h"
#include "logs/step_summary.h"
#include "logs/terminal_text.h"

namespace grpo::app {
namespace {

using logs::Json;

struct LogsOptions {
  std::string run_dir;
  int64_t step = 0;
  size_t best = 0;
  size_t worst = 0;
  size_t limit = 0;
  double min_reward = 0;
  double max_reward = 0;
  std::string reason;
  std::string text;
  std::string question;
  std::string chain;  // "", "yes" or "no"
  bool hide_think = false;
  bool follow = false;
  double follow_timeout = 0;
  double poll_seconds = 0.5;
  bool json = false;
  bool no_colour = false;
  // Which options were given.
  CLI::Option* step_option = nullptr;
  CLI::Option* min_option = nullptr;
  CLI::Option* max_option = nullptr;
  CLI::Option* limit_option = nullptr;
};

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) {
  stop_requested = 1;
}

bool use_colour(const LogsOptions& options) {
  if (options.json || options.no_colour) return false;
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) fmt::print(stderr, "grpo logs: warning: {}\n", warning);
}

bool has_integer_step(const Json& object) {
  auto step = object.find("step");
  return step != object.end() && step->is_number_integer();
}

// With --json every line is one object: {"kind": "step"|"eval", ...fields} in summaries, a rollout record
// otherwise.
void print_kind_json(const char* kind, const Json& object) {
  Json line;
  line["kind"] = kind;
  for (const auto& [key, value] : object.items()) line[key] = value;
  fmt::print("{}\n", logs::to_json_line(line));
}

logs::RolloutQuery query_from(const LogsOptions& options) {
  logs::RolloutQuery query;
  if (options.step_option->count()) query.filter.step = options.step;
  if (!options.question.empty()) query.filter.question_id = options.question;
  if (options.min_option->count()) query.filter.min_reward = options.min_reward;
  if (options.max_option->count()) query.filter.max_reward = options.max_reward;
  query.filter.reason_contains = options.reason;
  query.filter.text_contains = options.text;
  if (!options.chain.empty()) {
    const bool wanted = options.chain == "yes";
    query.filter.also = [wanted](const logs::RolloutRecord& record) {
      return read_box_chain(record.completion).holds_chain() == wanted;
    };
  }
  if (options.best > 0) {
    query.ranking = logs::Ranking::best;
    query.count = options.best;
  } else if (options.worst > 0) {
    query.ranking = logs::Ranking::worst;
    query.count = options.worst;
  } else {
    query.count = options.limit;
  }
  return query;
}

bool lists_completions(const LogsOptions& options) {
  return options.step_option->count() || options.best || options.worst || !options.question.empty() ||
         options.min_option->count() || options.max_option->count() || !options.reason.empty() ||
         !options.text.empty() || !options.chain.empty() || options.limit_option->count();
}

void print_record(const logs::RolloutRecord& record, const LogsOptions& options,
                  const logs::Palette& palette) {
  if (options.json) {
    fmt::print("{}\n", logs::to_json_line(logs::rollout_output_json(record, options.hide_think)));
  } else {
    fmt::print("{}", logs::format_rollout(record, logs::RolloutFormat{options.hide_think, palette}));
  }
}

void show_completions(const logs::RunLogs& run, const LogsOptions& options, const logs::Palette& palette) {
  logs::RolloutQuery query = query_from(options);
  if (run.rollout_files.empty()) {
    fail("'{}' has no logged completions ({}/ is empty or absent)", run.run_dir.string(), logs::kRolloutsDir);
  }
  if (query.filter.step) {
    bool found = false;
    for (const auto& file : run.rollout_files) found |= file.step == *query.filter.step;
    if (!found) {
      fail("step {} has no logged completions in '{}': logged steps run from {} to {} ({} steps)",
           *query.filter.step, run.run_dir.string(), run.rollout_files.front().step,
           run.rollout_files.back().step, run.rollout_files.size());
    }
  }
  std::vector<std::string> warnings;
  logs::RolloutQueryResult result = logs::run_rollout_query(run.rollout_files, query, warnings);
  print_warnings(warnings);
  for (const auto& record : result.records) print_record(record, options, palette);
  std::string footer =
      fmt::format("{} of {} logged completions match ({} step file{} read){}", result.matched, result.scanned,
                  result.files_read, result.files_read == 1 ? "" : "s",
                  result.records.size() < result.matched ? fmt::format("; showing {}", result.records.size())
                                                         : std::string());
  if (options.json) {
    fmt::print(stderr, "grpo logs: {}\n", footer);
  } else {
    fmt::print("{}{}{}\n", palette.dim, footer, palette.reset);
  }
}

void show_summary(const logs::RunLogs& run, const LogsOptions& options, const logs::Palette& palette) {
  std::vector<Json> rows = run.metrics;
  bool from_rollouts = false;
  if (rows.empty() && !run.rollout_files.empty()) {  // no metrics.jsonl: summarise the logged completions
    from_rollouts = true;
    std::vector<std::string> warnings;
    for (const auto& file : run.rollout_files) {
      rows.push_back(logs::summarize_rollouts(file.step, logs::read_rollout_file(file, warnings)));
    }
    print_warnings(warnings);
  }
  if (options.json) {
    for (const auto& row : rows) print_kind_json("step", row);
    for (const auto& eval : run.evals) print_kind_json("eval", eval);
    return;
  }
  if (rows.empty()) {
    fmt::print("No training steps logged yet in '{}'.\n", run.run_dir.string());
  } else {
    if (from_rollouts) fmt::print("(no {}: summary of the logged completions)\n", logs::kMetricsFile);
    const bool supervised = logs::is_supervised_step(rows.front());
    fmt::print("{}", supervised ? logs::format_supervised_header(palette)
                                : logs::format_summary_header(palette, logs::has_moe_metrics(rows.front())));
    for (const auto& row : rows) {
      fmt::print("{}", supervised ? logs::format_supervised_row(row, palette)
                                  : logs::format_summary_row(row, palette));
    }
  }
  if (!run.evals.empty()) {
    fmt::print("\n{}evaluations{}\n{}", palette.bold, palette.reset, logs::format_eval_header(palette));
    for (const auto& eval : run.evals) fmt::print("{}", logs::format_eval_row(eval, palette));
  }
  fmt::print(
      "{}\n{} step{} of metrics, {} evaluation{}, completions logged for {} step{}. "
      "`grpo logs {} --step N` shows a step's completions.{}\n",
      palette.dim, rows.size(), rows.size() == 1 ? "" : "s", run.evals.size(),
      run.evals.size() == 1 ? "" : "s", run.rollout_files.size(), run.rollout_files.size() == 1 ? "" : "s",
      run.run_dir.string(), palette.reset);
}

// Prints what the run adds until the run ends (its trainer closes it, or is gone), Ctrl-C or
// --follow-timeout. Summary mode prints new steps and evaluations (with the table's header before the first
// row when none was printed yet); completion mode prints the new steps' completions that pass the filters.
void follow(const LogsOptions& options, const logs::Palette& palette, bool step_header_printed,
            bool eval_header_printed) {
  logs::RunFollower follower(options.run_dir);
  follower.poll();  // what is there now was printed already
  logs::RolloutQuery query = query_from(options);
  bool completions = lists_completions(options);
  const logs::RunState initial = logs::run_state(options.run_dir);
  if (initial.activity == logs::RunActivity::ended) {
    fmt::print(stderr, "grpo logs: no trainer is writing {} (the run has ended); not following\n",
               options.run_dir);
    return;
  }
  stop_requested = 0;
  auto previous_int = std::signal(SIGINT, request_stop);
  auto previous_term = std::signal(SIGTERM, request_stop);
  fmt::print(stderr, "grpo logs: following {}{} (Ctrl-C to stop)\n", options.run_dir,
             initial.activity == logs::RunActivity::not_started ? ", waiting for the run to start" : "");
  std::fflush(stderr);
  auto start = std::chrono::steady_clock::now();
  auto timed_out = [&] {
    if (options.follow_timeout <= 0) return false;
    std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
    return waited.count() >= options.follow_timeout;
  };
  std::string ended;  // why following stopped, when the run ended
  while (!stop_requested && !timed_out()) {
    // Checked before reading, so that the lines a run writes just before it ends are still printed.
    const logs::RunState state = logs::run_state(options.run_dir);
    if (state.activity == logs::RunActivity::ended) ended = "the run has ended";
    if (state.activity == logs::RunActivity::abandoned) {
      ended = fmt::format("the trainer (process {}) is gone without closing the run: killed?", state.pid);
    }
    logs::RunUpdate update = follower.poll();
    print_warnings(update.warnings);
    if (completions) {
      for (const auto& file : update.new_steps) {
        std::vector<std::string> warnings;
        logs::RolloutQueryResult result = logs::run_rollout_query({file}, query, warnings);
        print_warnings(warnings);
        for (const auto& record : result.records) print_record(record, options, palette);
      }
    } else {
      for (const auto& row : update.metrics) {
        if (!has_integer_step(row)) continue;
        if (options.json) {
          print_kind_json("step", row);
        } else {
          const bool supervised = logs::is_supervised_step(row);
          if (!step_header_printed)
            fmt::print("{}", supervised ? logs::format_supervised_header(palette)
                                        : logs::format_summary_header(palette, logs::has_moe_metrics(row)));
          step_header_printed = true;
          fmt::print("{}", supervised ? logs::format_supervised_row(row, palette)
                                      : logs::format_summary_row(row, palette));
        }
      }
      for (const auto& eval : update.evals) {
        if (!has_integer_step(eval)) continue;
        if (options.json) {
          print_kind_json("eval", eval);
        } else {
          if (!eval_header_printed) fmt::print("{}eval {}", palette.bold, logs::format_eval_header(palette));
          eval_header_printed = true;
          fmt::print("{}eval{} {}", palette.bold, palette.reset, logs::format_eval_row(eval, palette));
        }
      }
    }
    std::fflush(stdout);
    if (!ended.empty()) break;
    // Sleep in short slices so that Ctrl-C stops at once.
    auto wake = std::chrono::steady_clock::now() + std::chrono::duration<double>(options.poll_seconds);
    while (!stop_requested && !timed_out() && std::chrono::steady_clock::now() < wake) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  fmt::print(stderr, "grpo logs: stopped following ({})\n",
             !ended.empty()   ? ended
             : stop_requested ? "interrupted"
                              : "--follow-timeout reached");
}

void run_logs(const LogsOptions& options) {
  if (options.follow && (options.best || options.worst)) {
    fail("--follow cannot be combined with --best/--worst (they rank a finished set); use a filter instead");
  }
  logs::Palette palette = use_colour(options) ? logs::Palette::ansi() : logs::Palette::plain();
  if (options.follow && logs::run_state(options.run_dir).activity == logs::RunActivity::not_started) {
    follow(options, palette, false, false);  // nothing to show yet: wait for the trainer's first lines
    return;
  }
  logs::RunLogs run = logs::read_run(options.run_dir);
  print_warnings(run.warnings);
  if (lists_completions(options)) {
    if (!(options.follow && run.rollout_files.empty())) show_completions(run, options, palette);
  } else {
    show_summary(run, options, palette);
  }
  std::fflush(stdout);
  if (options.follow) {
    // show_summary printed the step table's header when it had rows (metrics, else logged completions).
    follow(options, palette, !run.metrics.empty() || !run.rollout_files.empty(), !run.evals.empty());
  }
}

void add_logs_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<LogsOptions>();
  CLI::App* command = app.add_subcommand(
      "logs",
      "Read a run's logs: a summary per step, or completions chosen by step, rank, reward, reason, text or "
      "question");
  command->add_option("RUN_DIR", options->run_dir, "The run directory the trainer wrote")->required();
  options->step_option = command->add_option("--step", options->step, "Show the completions of this step");
  auto* best = command->add_option("--best", options->best, "Show the K completions with the highest reward");
  auto* worst =
      command->add_option("--worst", options->worst, "Show the K completions with the lowest reward");
  best->excludes(worst);
  options->min_option =
      command->add_option("--min-reward", options->min_reward, "Only completions with reward >= X");
  options->max_option =
      command->add_option("--max-reward", options->max_reward, "Only completions with reward <= X");
  command->add_option("--reason", options->reason,
                      "Only completions where some reward's reason contains TEXT (ignoring case)");
  command->add_option("--text", options->text, "Only completions whose text contains TEXT (ignoring case)");
  command
      ->add_option("--chain", options->chain,
                   "Only completions whose <think> holds (yes) or lacks (no) a chain of box stacks: an "
                   "operation followed by the stack after it (docs/LOGS.md)")
      ->check(CLI::IsMember({"yes", "no"}));
  command->add_option("--question", options->question, "Follow one question (by id) across steps");
  options->limit_option =
      command->add_option("--limit", options->limit, "List completions, at most N (0: all)");
  command->add_flag("--hide-think", options->hide_think, "Hide the <think> reasoning; show the answers");
  command->add_flag("-f,--follow", options->follow,
                    "Keep printing new steps as the run writes them (Ctrl-C stops)");
  command->add_option("--follow-timeout", options->follow_timeout, "Stop following after SECONDS (0: never)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--poll", options->poll_seconds, "Seconds between checks while following")
      ->check(CLI::Range(0.05, 60.0));
  command->add_flag("--json", options->json, "One JSON object per line, for scripts");
  command->add_flag("--no-color", options->no_colour,
                    "No colour even on a terminal (NO_COLOR=1 does the same)");
  command->callback([options, &context] { context.action = [options] { run_logs(*options); }; });
}

const CommandRegistration registration{"logs", 80, add_logs_command};

}  // namespace
}  // namespace grpo::app
