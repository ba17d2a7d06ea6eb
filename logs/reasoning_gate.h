// The gate before RL of the reasoning recipe (../shared/docs/EMERGENCE.md): from two `grpo eval --json`
// results on the same held-out box-stacking problems, one answering directly (greedy, plus k samples at
// T = 1) and one with a chain prefix forced into every completion, three checks:
// - the forced chain helps: forced greedy accuracy - direct greedy accuracy >= 0.15;
// - the forced chains are right step by step: their reasoning/stack_accuracy (greedy) >= 0.9;
// - the chains exist without forcing: the share of the direct samples holding a chain >= 0.01.
// Written by `grpo gate` as gate.json in a run directory; `grpo report` shows it.
#pragma once

#include <string>

#include "logs/json_lines.h"

namespace grpo::logs {

inline constexpr const char* kGateFile = "gate.json";

// {"passed": bool, "checks": [{"name", "value" (null: not measured), "threshold", "passed"}, ...],
//  "notes": [{"name", "value"}, ...] (figures beside the checks: the forced chains ending in the answer
//  whether or not written in <answer>, the forced completions' format rate),
//  "direct": {"greedy_accuracy", "prefill", "reasoning"}, "forced": {...}}.
// A check whose value is missing (an eval without samples, or not on box-stacking problems) fails. Throws
// grpo::Error when an input is not an object with a greedy_accuracy.
Json reasoning_gate(const Json& direct, const Json& forced);

// The gate as lines for a terminal: one per check with its value, threshold and verdict, then the verdict.
std::string format_gate(const Json& gate);

}  // namespace grpo::logs
