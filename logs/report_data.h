// The data a report page shows, gathered from a run directory into one JSON object: every metrics and eval
// line, the configuration, and a bounded sample of completions (so the page stays a sensible size for long
// runs).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "logs/json_lines.h"
#include "logs/run_reader.h"

namespace grpo::logs {

struct ReportOptions {
  size_t max_steps_with_completions =
      60;                               // more steps than this: evenly spaced ones, first and last included
  size_t completions_per_step = 32;     // more than this in a step: evenly spaced ones
  size_t max_completion_chars = 12000;  // a longer completion is cut in the middle of each part
  size_t max_completion_bytes = 24u << 20;  // total completion text embedded, shared out between the steps
};

// Evenly spaced picks of `wanted` out of `count` items, first and last included (all when count <= wanted).
std::vector<size_t> evenly_spaced(size_t count, size_t wanted);

// Cuts `text` to at most about `max_bytes` bytes, keeping its head and tail around a "[… N characters cut …]"
// mark; never splits a UTF-8 character. Returns whether it cut.
bool cut_middle(std::string& text, size_t max_bytes);

// The page's data object; documented field by field in docs/LOGS.md ("report data"). Warnings met while
// reading rollout files are appended to `warnings`.
Json build_report_data(const RunLogs& run, const ReportOptions& options, std::vector<std::string>& warnings);

}  // namespace grpo::logs
