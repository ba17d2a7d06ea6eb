// The gate before RL (logs/reasoning_gate.h) on `grpo eval --json`-shaped results, `grpo gate` as a real
// subprocess, and the gate in the report page.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "browser_page.h"
#include "core/error.h"
#include "logs/reasoning_gate.h"
#include "logs/run_log_writer.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;
using grpo::testing::grpo_executable;
using grpo::testing::run_command;
using grpo::testing::shell_quote;
using grpo::testing::TempDir;

// An eval result as `grpo eval --json` prints it for box-stacking problems (the fields the gate reads).
Json eval_result(double greedy, const std::string& prefill, Json stack_accuracy, Json sampled_chain_share) {
  Json sampled = sampled_chain_share.is_null() ? Json(nullptr)
                                               : Json{{"reasoning/chain_share", sampled_chain_share},
                                                      {"reasoning/stack_accuracy", nullptr}};
  return {{"greedy_accuracy", greedy},
          {"n_problems", 150},
          {"prefill", prefill},
          {"reasoning",
           {{"greedy",
             {{"reasoning/chain_share", 0.9},
              {"reasoning/stack_accuracy", stack_accuracy},
              {"reasoning/chain_end_accuracy", 0.25}}},
            {"sampled", sampled}}}};
}

TEST(ReasoningGate, PassesOnlyWhenAllThreeChecksHold) {
  const Json direct = eval_result(0.06, "", 0.1, 0.02);
  const Json forced = eval_result(0.40, "<think> the stack is", 0.93, nullptr);
  Json gate = reasoning_gate(direct, forced);
  EXPECT_TRUE(gate["passed"].get<bool>()) << gate.dump();
  ASSERT_EQ(gate["checks"].size(), 3u);
  EXPECT_NEAR(gate["checks"][0]["value"].get<double>(), 0.34, 1e-12);
  EXPECT_EQ(gate["checks"][1]["value"], 0.93);
  EXPECT_EQ(gate["checks"][2]["value"], 0.02);
  EXPECT_EQ(gate["forced"]["prefill"], "<think> the stack is");
  EXPECT_NE(format_gate(gate).find("gate: passed"), std::string::npos) << format_gate(gate);
  // Beside the checks, not in the verdict: how often the forced chains end in the answer, and their format.
  ASSERT_EQ(gate["notes"].size(), 2u);
  EXPECT_EQ(gate["notes"][0]["value"], 0.25);
  EXPECT_TRUE(gate["notes"][1]["value"].is_null());  // no format_rate in this result
  EXPECT_NE(format_gate(gate).find("forced chains ending in the answer"), std::string::npos);

  // Each check can fail on its own: a gain of 0.10, steps 0.05 right (EMERGENCE.md's 4% corpus), no chains.
  EXPECT_FALSE(
      reasoning_gate(direct, eval_result(0.16, "p", 0.93, nullptr))["checks"][0]["passed"].get<bool>());
  Json weak_steps = reasoning_gate(direct, eval_result(0.40, "p", 0.05, nullptr));
  EXPECT_FALSE(weak_steps["passed"].get<bool>());
  EXPECT_FALSE(weak_steps["checks"][1]["passed"].get<bool>());
  EXPECT_TRUE(weak_steps["checks"][0]["passed"].get<bool>());
  Json no_chains = reasoning_gate(eval_result(0.06, "", 0.1, 0.0), forced);
  EXPECT_FALSE(no_chains["checks"][2]["passed"].get<bool>());
  const std::string text = format_gate(no_chains);
  EXPECT_NE(text.find("FAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("gate: NOT passed"), std::string::npos) << text;
}

TEST(ReasoningGate, WhatWasNotMeasuredFailsAndBadInputIsRefused) {
  // Direct answering evaluated greedy only (k = 0): the sampled chain share is not measured.
  Json gate = reasoning_gate(eval_result(0.06, "", 0.1, nullptr), eval_result(0.40, "p", 0.95, nullptr));
  EXPECT_TRUE(gate["checks"][2]["value"].is_null());
  EXPECT_FALSE(gate["passed"].get<bool>());
  EXPECT_NE(format_gate(gate).find("not measured"), std::string::npos);
  // Not box-stacking problems: no reasoning figures at all.
  Json plain = {{"greedy_accuracy", 0.5}, {"reasoning", nullptr}};
  EXPECT_FALSE(reasoning_gate(plain, plain)["passed"].get<bool>());
  try {
    reasoning_gate(Json{{"accuracy", 0.5}}, plain);
    FAIL() << "no greedy_accuracy: refused";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("grpo eval --json"), std::string::npos) << error.what();
  }
  EXPECT_THROW(reasoning_gate(plain, Json::array()), Error);
}

TEST(GateCommand, PrintsTheChecksWritesGateJsonAndRequireFails) {
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  grpo::testing::write_text(dir / "direct.json", eval_result(0.06, "", 0.1, 0.0).dump(2));
  grpo::testing::write_text(dir / "forced.json",
                            eval_result(0.40, "<think> the stack is", 0.95, nullptr).dump());
  const std::string command = shell_quote(grpo_executable().string()) + " -q gate " +
                              shell_quote((dir / "direct.json").string()) + " " +
                              shell_quote((dir / "forced.json").string());
  CommandResult result =
      run_command(command + " --out " + shell_quote((dir / "gate.json").string()) + " 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("gate: NOT passed"), std::string::npos) << result.output;
  Json written = Json::parse(grpo::testing::read_text_file(dir / "gate.json"));
  EXPECT_FALSE(written["passed"].get<bool>());
  EXPECT_EQ(written["checks"][1]["value"], 0.95);

  CommandResult required = run_command(command + " --require 2>&1");
  EXPECT_NE(required.exit_code, 0);
  EXPECT_NE(required.output.find("did not pass"), std::string::npos) << required.output;
  grpo::testing::write_text(dir / "broken.json", "{\"greedy");
  CommandResult broken = run_command(shell_quote(grpo_executable().string()) + " -q gate " +
                                     shell_quote((dir / "broken.json").string()) + " " +
                                     shell_quote((dir / "forced.json").string()) + " 2>&1");
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.output.find("broken.json"), std::string::npos) << broken.output;
}

TEST(GateInReport, TheReportShowsTheRunDirectorysGate) {
  if (!grpo::testing::have_chromium())
    GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): no browser test";
  ASSERT_TRUE(fs::exists(grpo_executable())) << "build the `grpo` target first: " << grpo_executable();
  TempDir dir;
  grpo::testing::write_fixture_run(dir / "run");
  Json gate = reasoning_gate(eval_result(0.06, "", 0.1, 0.02),
                             eval_result(0.40, "<think> the stack is", 0.93, nullptr));
  grpo::testing::write_text(dir / "run" / kGateFile, gate.dump());
  CommandResult report = run_command(shell_quote(grpo_executable().string()) + " -q report " +
                                     shell_quote((dir / "run").string()) + " 2>&1");
  ASSERT_EQ(report.exit_code, 0) << report.output;
  grpo::testing::BrowserPage page = grpo::testing::load_in_chromium(dir / "run" / "report.html", "");
  EXPECT_EQ(page.attribute("data-errors"), "0") << page.status_tag;
  EXPECT_NE(page.dom.find("Gate before RL: passed"), std::string::npos) << page.dom.substr(0, 3000);
  EXPECT_NE(page.dom.find("id=\"gate-table\" data-passed=\"1\""), std::string::npos);
  EXPECT_NE(page.dom.find("steps right in the forced chains (greedy)"), std::string::npos);
  EXPECT_NE(page.dom.find("forced chains ending in the answer (greedy): 0.25 (not a check)"),
            std::string::npos)
      << page.dom.substr(0, 3000);
}

}  // namespace
}  // namespace grpo::logs
