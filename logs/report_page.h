// Writes the report: one self-contained HTML page (inline style, script and SVG charts; no network) showing a
// run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "logs/json_lines.h"
#include "logs/report_data.h"

namespace grpo::logs {

// JSON text that is safe inside <script type="application/json">: every '<', '>' and '&' (which JSON only
// allows inside strings) becomes a \u escape, so model text such as "</script>" or "<!--" cannot end the
// element.
std::string json_for_script_element(const Json& data);

// Escapes text for an HTML text node or attribute value.
std::string escape_html(const std::string& text);

// The whole page for `data` (from build_report_data).
std::string render_report_html(const Json& data);

struct ReportSummary {
  std::filesystem::path output;
  size_t bytes = 0;
  size_t metric_steps = 0;
  size_t evals = 0;
  size_t steps_with_completions = 0;  // embedded
  size_t completions = 0;             // embedded
  std::vector<std::string> warnings;
};

// Reads RUN_DIR and writes the page to `output` atomically.
ReportSummary write_report(const std::filesystem::path& run_dir, const std::filesystem::path& output,
                           const ReportOptions& options = {});

}  // namespace grpo::logs
