// Running commands from tests: shell-quoting for run_command, and a page in headless Chromium (the report
// tests). Implemented in test_support.cpp.
#pragma once

#include <filesystem>
#include <string>

namespace grpo::testing {

// Shell-quotes a path or argument for run_command.
std::string shell_quote(const std::string& text);

struct BrowserPage {
  std::string dom;
  std::string status_tag;                                // the <div id="status" ...> opening tag
  std::string attribute(const std::string& name) const;  // an attribute of the status tag ("" when absent)
};
bool have_chromium();
// Loads the page in headless Chromium, lets its scripts run, and returns the resulting DOM.
BrowserPage load_in_chromium(const std::filesystem::path& page, const std::string& hash);
// The data-points of the chart `<svg data-chart="ID">`, or -1 when the page has no such chart.
int chart_points(const std::string& dom, const std::string& chart);

}  // namespace grpo::testing
