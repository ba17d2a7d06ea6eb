// `grpo report`: the page's data and escaping, its size bound, and the page itself in headless Chromium.
#include <gtest/gtest.h>

#include "logs/report_data.h"
#include "logs/report_page.h"
#include "logs/run_log_writer.h"
#include "logs/run_reader.h"
#include "run_fixture.h"
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
using grpo::testing::read_text_file;
using grpo::testing::run_command;
using grpo::testing::shell_quote;
using grpo::testing::TempDir;

TEST(ReportPage, EmbeddedDataCannotEndItsScriptElement) {
  Json data{{"text", "</script><script>alert(1)</script><!--<script>"}, {"amp", "a & b > c"}};
  std::string embedded = json_for_script_element(data);
  EXPECT_EQ(embedded.find('<'), std::string::npos);
  EXPECT_EQ(embedded.find('>'), std::string::npos);
  EXPECT_EQ(embedded.find('&'), std::string::npos);
  EXPECT_EQ(Json::parse(embedded), data);  // still the same JSON
  EXPECT_EQ(escape_html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(ReportPage, PageIsSelfContained) {
  TempDir dir;
  grpo::testing::write_fixture_run(dir.path());
  ReportSummary summary = write_report(dir.path(), dir / "report.html");
  std::string page = read_text_file(dir / "report.html");
  EXPECT_EQ(summary.bytes, page.size());
  EXPECT_EQ(summary.metric_steps, 4u);
  EXPECT_EQ(summary.completions, 32u);
  for (const char* outside : {"<link", "src=\"http", "href=\"http", "@import", "url(", "<iframe"}) {
    EXPECT_EQ(page.find(outside), std::string::npos) << "the page reaches outside itself: " << outside;
  }
  // Exactly the page's own two script elements; model text (which holds "</script>") cannot add or end one.
  size_t closes = 0;
  for (size_t at = page.find("</script>"); at != std::string::npos; at = page.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 2u);
  EXPECT_EQ(page.find("<!--<script>"), std::string::npos);
  EXPECT_NE(page.find("<script type=\"application/json\" id=\"report-data\">"), std::string::npos);
}

TEST(ReportData, LongRunsEmbedABoundedSampleOfCompletions) {
  TempDir dir;
  {
    RunLogWriter writer(dir.path());
    for (int64_t step = 0; step < 40; ++step) {
      writer.append_metrics(Json{{"step", step}, {"reward", 0.01 * step}});
      auto records = grpo::testing::fixture_step_records(1);
      records[0].completion = "<think>" + std::string(100000, 'x') + "</think><answer>42</answer>";
      writer.write_rollouts(step, records);
    }
  }
  ReportOptions options;
  options.max_steps_with_completions = 5;
  options.completions_per_step = 3;
  options.max_completion_chars = 1000;
  std::vector<std::string> warnings;
  Json data = build_report_data(read_run(dir.path()), options, warnings);
  EXPECT_EQ(data["metrics"].size(), 40u);  // every step charted
  const Json& steps = data["completions"]["steps"];
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps.front()["step"], 0);
  EXPECT_EQ(steps.back()["step"], 39);
  EXPECT_EQ(data["completions"]["steps_logged"], 40);
  for (const auto& step : steps) {
    EXPECT_EQ(step["logged"], 8);
    ASSERT_EQ(step["completions"].size(), 3u);
    const Json& first = step["completions"][0];  // the 100 000-character reasoning, cut in the middle
    EXPECT_TRUE(first["cut"].get<bool>());
    EXPECT_LT(first["think"].get<std::string>().size(), 700u);
    EXPECT_NE(first["think"].get<std::string>().find("cut for the report"), std::string::npos);
    EXPECT_EQ(first["answer"], "42");
  }
  std::string page = render_report_html(data);
  EXPECT_LT(page.size(), 200000u);
}

TEST(ReportData, HelpersPickEvenlyAndCutOnCharacterBoundaries) {
  EXPECT_EQ(evenly_spaced(10, 4), (std::vector<size_t>{0, 3, 6, 9}));
  EXPECT_EQ(evenly_spaced(3, 5), (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(evenly_spaced(0, 5).empty());
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "é";  // two bytes each
  EXPECT_TRUE(cut_middle(text, 101));
  EXPECT_NO_THROW((void)Json(text).dump());  // still valid UTF-8: dump() throws on a split character
  std::string short_text = "short";
  EXPECT_FALSE(cut_middle(short_text, 100));
}

// ---- the page in a real browser ----

class ReportInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_chromium())
      GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): no browser test";
    ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
    grpo::testing::write_fixture_run(dir_ / "run");
    CommandResult report = run_command(shell_quote(grpo_executable().string()) + " -q report " +
                                       shell_quote((dir_ / "run").string()) + " -o " +
                                       shell_quote((dir_ / "report.html").string()));
    ASSERT_EQ(report.exit_code, 0) << report.output;
    ASSERT_NE(report.output.find("32 completions from 4 steps"), std::string::npos) << report.output;
  }
  TempDir dir_;
};

TEST_F(ReportInBrowser, LoadsWithoutErrorsAndDrawsEveryChart) {
  BrowserPage page = load_in_chromium(dir_ / "report.html", "");
  ASSERT_FALSE(page.status_tag.empty()) << "no status element in the DOM:\n" << page.dom.substr(0, 2000);
  EXPECT_EQ(page.attribute("data-ready"), "1") << page.status_tag;
  EXPECT_EQ(page.attribute("data-errors"), "0") << page.status_tag;
  EXPECT_GT(std::stoi(page.attribute("data-points")), 0);
  // One point per step and series: 4 training steps, 2 evaluations.
  EXPECT_EQ(chart_points(page.dom, "reward"), 4);
  EXPECT_EQ(chart_points(page.dom, "accuracy"), 8);  // accuracy and format rate
  EXPECT_EQ(chart_points(page.dom, "length"), 12);   // mean, min, max
  EXPECT_EQ(chart_points(page.dom, "kl"), 4);
  EXPECT_EQ(chart_points(page.dom, "entropy"), 4);
  EXPECT_EQ(chart_points(page.dom, "clip"), 12);
  EXPECT_EQ(chart_points(page.dom, "reasoning"), 14);  // chain share 4, with 3, without 4, steps right 3
  EXPECT_EQ(chart_points(page.dom, "think-length"), 4);
  EXPECT_EQ(chart_points(page.dom, "eval"), 10);
  EXPECT_EQ(chart_points(page.dom, "eval-breakdown"), 4);
  EXPECT_EQ(page.attribute("data-visible"), "8");  // the last step's completions by default
  EXPECT_NE(page.dom.find("fixture &lt;b&gt;run&lt;/b&gt;"), std::string::npos)
      << "configuration shown as text";
}

TEST_F(ReportInBrowser, FiltersFromTheUrlAndKeepsModelTextAsText) {
  BrowserPage reason = load_in_chromium(dir_ / "report.html", "#step=all&reason=differs");
  EXPECT_EQ(reason.attribute("data-errors"), "0") << reason.status_tag;
  EXPECT_EQ(reason.attribute("data-visible"), "14");
  BrowserPage zebra = load_in_chromium(dir_ / "report.html", "#step=all&filter=ZEBRA");
  EXPECT_EQ(zebra.attribute("data-visible"), "1");
  EXPECT_NE(zebra.dom.find("like a zebra counting stripes"), std::string::npos);

  BrowserPage html = load_in_chromium(dir_ / "report.html", "#step=3&min=0.25&max=0.75");
  EXPECT_EQ(html.attribute("data-errors"), "0") << html.status_tag;
  EXPECT_EQ(html.attribute("data-visible"), "3");  // step 3: group 1 samples 1, 2 and group 0 sample 3
  // Step 3, group 1, sample 2 holds HTML: it must be text in the page, never elements.
  EXPECT_NE(
      html.dom.find("&lt;/script&gt;&lt;!--&lt;script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x&gt;"),
      std::string::npos)
      << html.dom.substr(0, 3000);
  EXPECT_EQ(html.dom.find("<b>bold</b>"), std::string::npos);
  EXPECT_EQ(html.dom.find("<img"), std::string::npos);
}

// A run without a reference model (beta = 0: KL 0 throughout) and without clipping: the KL chart says why it
// is flat instead of drawing it on a made-up -1..1 axis, and the clip chart's axis starts at 0%, not -100%.
TEST(ReportInBrowserFlatRun, SaysNoReferenceModelAndKeepsShareAxesAtZero) {
  if (!have_chromium())
    GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): no browser test";
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  {
    RunLogWriter writer(dir / "run");
    for (int64_t step = 1; step <= 3; ++step) {
      writer.append_metrics(Json{{"step", step},
                                 {"reward", 0.5 + 0.1 * step},
                                 {"kl", 0.0},
                                 {"clip_ratio/low_mean", 0.0},
                                 {"clip_ratio/high_mean", 0.0},
                                 {"clip_ratio/region_mean", 0.0}});
    }
  }
  CommandResult report =
      run_command(shell_quote(grpo_executable().string()) + " -q report " +
                  shell_quote((dir / "run").string()) + " -o " + shell_quote((dir / "report.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  BrowserPage page = load_in_chromium(dir / "report.html", "");
  EXPECT_EQ(page.attribute("data-errors"), "0") << page.status_tag;
  EXPECT_EQ(chart_points(page.dom, "kl"), -1) << "a flat KL at 0 is not drawn";
  EXPECT_NE(page.dom.find("No reference model (beta = 0)"), std::string::npos);
  EXPECT_EQ(chart_points(page.dom, "clip"), 9);
  EXPECT_EQ(page.dom.find("chart-reasoning"), std::string::npos)
      << "no reasoning figures, no reasoning chart";
  EXPECT_EQ(page.dom.find(">-100.0%<"), std::string::npos) << "the clip axis runs below 0%";
  EXPECT_EQ(page.dom.find(">-50.0%<"), std::string::npos) << "the clip axis runs below 0%";
  EXPECT_NE(page.dom.find(">100.0%<"), std::string::npos) << "the clip axis runs 0% to 100%";
}

}  // namespace
}  // namespace grpo::logs
