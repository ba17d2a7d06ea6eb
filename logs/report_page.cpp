#include "logs/report_page.h"

#include <fmt/format.h>

#include "core/files.h"
#include "logs/report_assets.h"
#include "logs/run_reader.h"

namespace grpo::logs {

std::string json_for_script_element(const Json& data) {
  std::string json = to_json_line(data);
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (char c : json) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {
constexpr const char* kBody = R"html(<body>
<header class="top">
  <h1>grpo report: <span id="run-title"></span></h1>
  <div id="run-meta"></div>
  <nav><a href="#curves">Training curves</a><a href="#evaluation">Evaluation</a><a href="#completions">Completions</a><a href="#configuration">Configuration</a></nav>
</header>
<div id="status" class="status" data-ready="0" data-errors="0" data-points="0" data-charts="0" data-visible="0">The page's script has not run: this report needs JavaScript.</div>
<div id="warnings" hidden></div>
<main>
<section id="curves">
  <h2>Training curves</h2>
  <div class="toolbar"><label for="smoothing">smoothing</label><input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0"><span id="smoothing-value">0.00</span></div>
  <div id="charts" class="grid"></div>
</section>
<section id="evaluation">
  <h2>Evaluation</h2>
  <div id="eval-charts" class="grid"></div>
  <div id="eval-table-wrap"></div>
  <div id="gate-wrap"></div>
</section>
<section id="completions">
  <h2>Completions</h2>
  <p id="sampling-note"></p>
  <div class="controls">
    <label>step<select id="step-select"></select></label>
    <label>sort<select id="sort-select"></select></label>
    <label>text contains<input type="search" id="text-filter" placeholder="in the completion"></label>
    <label>reason contains<input type="search" id="reason-filter" placeholder="in a reward's reason"></label>
    <label>question id<input type="search" id="question-filter" placeholder="follow one question"></label>
    <label>reward from<input type="number" id="min-reward" step="any"></label>
    <label>reward to<input type="number" id="max-reward" step="any"></label>
    <label class="inline"><input type="checkbox" id="expand-think">expand all reasoning</label>
  </div>
  <p id="visible-summary"></p>
  <div id="completion-list"></div>
  <button id="show-more" type="button" hidden>Show more</button>
</section>
<section id="configuration">
  <h2>Configuration</h2>
  <pre id="config-text"></pre>
</section>
</main>
)html";
}  // namespace

std::string render_report_html(const Json& data) {
  std::string title =
      data.contains("title") && data["title"].is_string() ? data["title"].get<std::string>() : "";
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"grpo report\">\n";
  page += fmt::format("<title>grpo report: {}</title>\n", escape_html(title));
  page += "<style>\n";
  page += kReportStyle;
  page += "</style>\n</head>\n";
  page += kBody;
  page += "<script type=\"application/json\" id=\"report-data\">";
  page += json_for_script_element(data);
  page += "</script>\n<script>\n";
  page += kReportScript;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

ReportSummary write_report(const std::filesystem::path& run_dir, const std::filesystem::path& output,
                           const ReportOptions& options) {
  RunLogs run = read_run(run_dir);
  ReportSummary summary;
  Json data = build_report_data(run, options, summary.warnings);
  summary.warnings.insert(summary.warnings.begin(), run.warnings.begin(), run.warnings.end());
  std::string page = render_report_html(data);
  write_file_atomically(output, page);
  summary.output = output;
  summary.bytes = page.size();
  summary.metric_steps = run.metrics.size();
  summary.evals = run.evals.size();
  for (const auto& step : data["completions"]["steps"]) {
    ++summary.steps_with_completions;
    summary.completions += step["completions"].size();
  }
  return summary;
}

}  // namespace grpo::logs
