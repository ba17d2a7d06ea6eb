// A mixture-of-experts run's routing metrics (docs/MOE.md) in `grpo logs` (two more columns) and in
// `grpo report` (the load of each sparse layer, the routing change, drawn only for MoE runs).
#include <gtest/gtest.h>

#include <sstream>

#include "browser_page.h"
#include "logs/metric_names.h"
#include "logs/run_log_writer.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

namespace fs = std::filesystem;
using grpo::testing::BrowserPage;
using grpo::testing::chart_points;
using grpo::testing::CommandResult;
using grpo::testing::grpo_executable;
using grpo::testing::have_chromium;
using grpo::testing::load_in_chromium;
using grpo::testing::run_command;
using grpo::testing::shell_quote;
using grpo::testing::TempDir;

// Three steps of a run whose layers 1 and 3 are sparse.
void write_moe_run(const fs::path& dir) {
  RunLogWriter writer(dir);
  for (int64_t step = 1; step <= 3; ++step) {
    writer.append_metrics(Json{{"step", step},
                               {"reward", 0.5},
                               {metric::moe_load_ratio(1), 1.0 + 0.5 * step},
                               {metric::moe_load_ratio(3), 1.25},
                               {metric::kMoeLoadRatio, (2.25 + 0.5 * step) / 2},
                               {metric::kMoeRouterEntropy, 1.5},
                               {metric::kMoeRoutingChanged, 0.125 * step},
                               {metric::kMoeRoutingChangedOwn, 0.125 * step}});
  }
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

TEST(MoeLogs, SummaryShowsLoadAndReroutedColumns) {
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  write_moe_run(dir / "run");
  CommandResult result = run_command(shell_quote(grpo_executable().string()) + " -q logs " +
                                     shell_quote((dir / "run").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("rerouted"), std::string::npos) << result.output;
  // Step 2: load (2 + 1.25) / 2 = 1.625 -> "1.62" (round half to even in fmt), rerouted 25.0%.
  bool found = false;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    auto w = words(line);
    found |= w.size() == 8 && w[0] == "2" && (w[6] == "1.62" || w[6] == "1.63") && w[7] == "25.0%";
  }
  EXPECT_TRUE(found) << result.output;
}

TEST(MoeLogs, ReportDrawsTheLoadOfEachSparseLayer) {
  if (!have_chromium())
    GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): no browser test";
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  write_moe_run(dir / "run");
  CommandResult report =
      run_command(shell_quote(grpo_executable().string()) + " -q report " +
                  shell_quote((dir / "run").string()) + " -o " + shell_quote((dir / "report.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  BrowserPage page = load_in_chromium(dir / "report.html", "");
  EXPECT_EQ(page.attribute("data-errors"), "0") << page.status_tag;
  EXPECT_EQ(chart_points(page.dom, "moe-load"), 6) << "two layers, three steps";
  EXPECT_NE(page.dom.find("layer 1"), std::string::npos);
  EXPECT_NE(page.dom.find("layer 3"), std::string::npos);
  EXPECT_EQ(chart_points(page.dom, "moe-routing"), 6);
  EXPECT_EQ(chart_points(page.dom, "moe-entropy"), 3);

  // A dense run has no MoE charts at all.
  {
    RunLogWriter writer(dir / "dense");
    writer.append_metrics(Json{{"step", 1}, {"reward", 0.5}});
  }
  report = run_command(shell_quote(grpo_executable().string()) + " -q report " +
                       shell_quote((dir / "dense").string()) + " -o " +
                       shell_quote((dir / "dense.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  BrowserPage dense = load_in_chromium(dir / "dense.html", "");
  EXPECT_EQ(dense.dom.find("chart-moe-load"), std::string::npos);
}

}  // namespace
}  // namespace grpo::logs
