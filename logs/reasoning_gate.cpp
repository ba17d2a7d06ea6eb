#include "logs/reasoning_gate.h"

#include <fmt/format.h>

#include "core/error.h"
#include "logs/metric_names.h"

namespace grpo::logs {

namespace {

// value[key] when it is a number, else null.
Json number_at(const Json& value, const char* key) {
  if (!value.is_object()) return nullptr;
  auto found = value.find(key);
  return found != value.end() && found->is_number() ? *found : Json(nullptr);
}

Json reasoning_of(const Json& eval, const char* pass) {
  if (!eval.contains(metric::kReasoning) || !eval[metric::kReasoning].is_object()) return nullptr;
  const Json& reasoning = eval[metric::kReasoning];
  return reasoning.contains(pass) ? reasoning[pass] : Json(nullptr);
}

Json check(const char* name, Json value, double threshold) {
  const bool passed = value.is_number() && value.get<double>() >= threshold;
  return {{"name", name}, {"value", std::move(value)}, {"threshold", threshold}, {"passed", passed}};
}

Json summary_of(const Json& eval) {
  return {{metric::kGreedyAccuracy, eval[metric::kGreedyAccuracy]},
          {metric::kPrefill, eval.contains(metric::kPrefill) ? eval[metric::kPrefill] : Json("")},
          {metric::kNumProblems, number_at(eval, metric::kNumProblems)},
          {metric::kReasoning, eval.contains(metric::kReasoning) ? eval[metric::kReasoning] : Json(nullptr)}};
}

std::string shown(const Json& value) {
  return value.is_number() ? fmt::format("{:.3f}", value.get<double>()) : "not measured";
}

}  // namespace

Json reasoning_gate(const Json& direct, const Json& forced) {
  for (const auto& [name, eval] :
       {std::pair<const char*, const Json&>{"direct", direct}, {"forced", forced}}) {
    if (!number_at(eval, metric::kGreedyAccuracy).is_number()) {
      fail(
          "gate: the {} result is not a `grpo eval --json` result (no number {}); give the JSON that grpo "
          "eval "
          "--json printed",
          name, metric::kGreedyAccuracy);
    }
  }
  const double gain =
      forced[metric::kGreedyAccuracy].get<double>() - direct[metric::kGreedyAccuracy].get<double>();
  Json checks = Json::array({check("forced chain accuracy - direct accuracy (greedy)", gain, 0.15),
                             check("steps right in the forced chains (greedy)",
                                   number_at(reasoning_of(forced, "greedy"), metric::kStackAccuracy), 0.9),
                             check("sampled direct completions holding a chain (T = 1)",
                                   number_at(reasoning_of(direct, "sampled"), metric::kChainShare), 0.01)});
  bool passed = true;
  for (const auto& item : checks) passed = passed && item["passed"].get<bool>();
  // Figures shown beside the checks, not part of the verdict: whether the forced chains compute the answer
  // even where they never write it in <answer> (the reward, and so the first check, needs that).
  Json notes = Json::array({{{"name", "forced chains ending in the answer (greedy)"},
                             {"value", number_at(reasoning_of(forced, "greedy"), metric::kChainEndAccuracy)}},
                            {{"name", "forced completions in the format (greedy)"},
                             {"value", number_at(forced, metric::kEvalFormatRate)}}});
  return {{"passed", passed},
          {"checks", std::move(checks)},
          {"notes", std::move(notes)},
          {"direct", summary_of(direct)},
          {"forced", summary_of(forced)}};
}

std::string format_gate(const Json& gate) {
  std::string text;
  for (const auto& item : gate.at("checks")) {
    text += fmt::format("  {:<52} {:>12}  (needs >= {:.2f})  {}\n", item.at("name").get<std::string>(),
                        shown(item.at("value")), item.at("threshold").get<double>(),
                        item.at("passed").get<bool>() ? "pass" : "FAIL");
  }
  if (gate.contains("notes")) {
    for (const auto& note : gate.at("notes")) {
      text += fmt::format("  {:<52} {:>12}  (not a check)\n", note.at("name").get<std::string>(),
                          shown(note.at("value")));
    }
  }
  text += gate.at("passed").get<bool>() ? "gate: passed\n" : "gate: NOT passed\n";
  return text;
}

}  // namespace grpo::logs
