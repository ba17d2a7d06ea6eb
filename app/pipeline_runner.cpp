#include "app/pipeline_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "logs/report_page.h"
#include "logs/run_layout.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kStateFile = "pipeline-state.json";

volatile sig_atomic_t g_child = 0;  // the running stage's pid
volatile sig_atomic_t g_signal = 0;

void forward_signal(int signal_number) {
  g_signal = signal_number;
  if (g_child > 0) kill(static_cast<pid_t>(g_child), signal_number);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json read_state(const Pipeline& pipeline) {
  const fs::path path = pipeline.output_dir / kStateFile;
  if (!fs::exists(path)) return json{{"stages", json::object()}};
  try {
    return json::parse(read_file(path));
  } catch (const json::exception& error) {
    fail("{}: not valid JSON ({}); delete it to run every stage again", path.string(), error.what());
  }
}

void write_state(const Pipeline& pipeline, const json& state) {
  write_file_atomically(pipeline.output_dir / kStateFile, state.dump(2) + "\n");
}

// Runs `grpo ARGUMENTS`, stdout to `stdout_file` when not empty; returns the exit status (128 + N for a
// signal).
int run_stage_process(const fs::path& grpo, const std::vector<std::string>& arguments,
                      const fs::path& stdout_file) {
  std::vector<char*> argv;
  std::string program = grpo.string();
  argv.push_back(program.data());
  std::vector<std::string> copies = arguments;
  for (std::string& argument : copies) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) fail("pipeline: cannot start a stage: {}", std::strerror(errno));
  if (child == 0) {
    if (!stdout_file.empty()) {
      const int fd = open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(127);
      close(fd);
    }
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  g_child = child;
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail("pipeline: waiting for a stage: {}", std::strerror(errno));
  }
  g_child = 0;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string quoted_command(const fs::path& grpo, const std::vector<std::string>& arguments) {
  std::string line = grpo.filename().string();
  for (const std::string& argument : arguments) {
    const bool plain = argument.find_first_of(" '\"\\$`*?") == std::string::npos;
    line += plain ? " " + argument : " '" + argument + "'";
  }
  return line;
}

// The last line of a JSONL file as JSON (null when there is none).
json last_json_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  if (last.empty()) return nullptr;
  try {
    return json::parse(last);
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::string number_cells(const json& object, const std::vector<std::string>& keys) {
  std::string cells;
  for (const std::string& key : keys) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_number()) continue;
    cells += fmt::format("<span class=m><b>{}</b> {:.4g}</span> ", logs::escape_html(key),
                         object[key].get<double>());
  }
  return cells;
}

}  // namespace

fs::path write_pipeline_report(const Pipeline& pipeline) {
  const json state = read_state(pipeline);
  std::ostringstream page;
  page << "<!doctype html><html><head><meta charset=utf-8><title>pipeline "
       << logs::escape_html(pipeline.file.filename().string())
       << "</title><style>body{font:14px sans-serif;margin:1.5em}section{border-top:1px solid #ccc;"
          "margin-top:1em}code{background:#f4f4f4;padding:2px 4px;word-break:break-all}.m{margin-right:1em}"
          "iframe{width:100%;height:900px;border:1px solid #ddd}</style></head><body><h1>Pipeline "
       << logs::escape_html(pipeline.file.string()) << "</h1><p>" << pipeline.stages.size()
       << " stages, output in <code>" << logs::escape_html(pipeline.output_dir.string()) << "</code></p>";
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const PipelineStage& stage = pipeline.stages[i];
    const json entry = state["stages"].value(stage.name, json::object());
    const std::string status = entry.value("status", std::string("not started"));
    page << "<section><h2>" << i + 1 << ". " << logs::escape_html(stage.name) << " (" << stage.run
         << "): " << logs::escape_html(status);
    if (entry.contains("seconds")) page << fmt::format(", {:.0f} s", entry["seconds"].get<double>());
    page << "</h2>";
    if (entry.contains("command"))
      page << "<p><code>" << logs::escape_html(entry["command"].get<std::string>()) << "</code></p>";
    const fs::path directory = stage_directory(pipeline, i);
    if (stage.run == "eval") {
      const fs::path result = stage_output(pipeline, i);
      if (fs::exists(result)) {
        try {
          const json eval = json::parse(read_file(result));
          page << "<p>"
               << number_cells(eval, {"greedy_accuracy", "pass@1", "pass@k", "maj@k", "format_rate",
                                      "mean_length", "n_problems"})
               << "</p>";
        } catch (const json::exception&) {
          page << "<p>" << logs::escape_html(result.string()) << " is not JSON</p>";
        }
      }
    } else if (stage.run == "generate") {
      const fs::path summary = stage_directory(pipeline, i) / "rows.summary.json";
      if (fs::exists(summary)) {
        try {
          page << "<p>"
               << number_cells(json::parse(read_file(summary)),
                               {"questions", "samples", "correct", "solved", "rows", "duplicates"})
               << "</p>";
        } catch (const json::exception&) {
        }
      }
    } else {
      page << "<p>"
           << number_cells(last_json_line(directory / logs::kMetricsFile),
                           {"step", "loss", "eval_loss", "reward", "accuracy", "elapsed"})
           << "</p>";
      if (fs::exists(directory / logs::kReportFile))
        page << "<iframe src=\"" << logs::escape_html(stage.name + "/" + logs::kReportFile) << "\"></iframe>";
    }
    page << "</section>";
  }
  page << "</body></html>\n";
  const fs::path output = pipeline.output_dir / logs::kReportFile;
  fs::create_directories(pipeline.output_dir);
  write_file_atomically(output, page.str());
  return output;
}

int run_pipeline(const Pipeline& pipeline, const fs::path& grpo_executable) {
  fs::create_directories(pipeline.output_dir);
  json state = read_state(pipeline);
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const PipelineStage& stage = pipeline.stages[i];
    json& entry = state["stages"][stage.name];
    if (!entry.is_object()) entry = json::object();
    const std::string status = entry.value("status", std::string());
    if (status == "finished") {
      const std::string now = quoted_command(grpo_executable, stage_arguments(pipeline, i, false));
      fmt::print(stderr, "pipeline: stage {} ({}) finished earlier; not run again{}\n", stage.name, stage.run,
                 entry.value("command", std::string()) == now
                     ? ""
                     : fmt::format(" (its options changed since: delete {} to run it again)",
                                   stage_directory(pipeline, i).string()));
      continue;
    }
    const bool resume = status == "running";
    fs::create_directories(stage_directory(pipeline, i));
    const std::vector<std::string> arguments = stage_arguments(pipeline, i, resume);
    const std::string command = quoted_command(grpo_executable, arguments);
    entry["status"] = "running";
    entry["command"] = quoted_command(grpo_executable, stage_arguments(pipeline, i, false));
    const double start = now_seconds();
    entry["started"] = start;
    write_state(pipeline, state);
    fmt::print(stderr, "pipeline: stage {}/{} {} ({}){}: {}\n", i + 1, pipeline.stages.size(), stage.name,
               stage.run, resume ? ", resumed" : "", command);
    const int exit_code = run_stage_process(grpo_executable, arguments,
                                            stage.run == "eval" ? stage_output(pipeline, i) : fs::path());
    entry["seconds"] = entry.value("seconds", 0.0) + now_seconds() - start;
    entry["exit_code"] = exit_code;
    if (exit_code == 0) {
      entry["status"] = "finished";
      if (stage.run != "eval" && stage.run != "generate") {
        try {
          logs::write_report(stage_directory(pipeline, i), stage_directory(pipeline, i) / logs::kReportFile);
        } catch (const std::exception& error) {
          fmt::print(stderr, "pipeline: warning: no report for stage {}: {}\n", stage.name, error.what());
        }
      }
    }
    write_state(pipeline, state);
    write_pipeline_report(pipeline);
    if (exit_code != 0) {
      if (exit_code > 128 || g_signal != 0) {
        fmt::print(stderr, "pipeline: stopped in stage {} ({}); run the same command to resume it there\n",
                   stage.name, stage.run);
      } else {
        fmt::print(
            stderr,
            "pipeline: stage {} ({}) failed with exit status {}; fix the cause and run the same command "
            "to resume it\n",
            stage.name, stage.run, exit_code);
      }
      return exit_code;
    }
    if (g_signal != 0) return 128 + g_signal;
  }
  fmt::print(stderr, "pipeline: every stage finished; report {}\n",
             (pipeline.output_dir / logs::kReportFile).string());
  return 0;
}

}  // namespace grpo::app
