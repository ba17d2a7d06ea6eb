#include "logs/report_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <tuple>

#include "core/files.h"
#include "logs/completion_parts.h"
#include "logs/metric_names.h"
#include "logs/reasoning_gate.h"

namespace grpo::logs {

std::vector<size_t> evenly_spaced(size_t count, size_t wanted) {
  std::vector<size_t> picks;
  if (count == 0 || wanted == 0) return picks;
  if (count <= wanted) {
    for (size_t i = 0; i < count; ++i) picks.push_back(i);
    return picks;
  }
  if (wanted == 1) return {count - 1};
  for (size_t i = 0; i < wanted; ++i) {
    size_t pick = static_cast<size_t>(std::llround(static_cast<double>(i) * static_cast<double>(count - 1) /
                                                   static_cast<double>(wanted - 1)));
    if (picks.empty() || pick != picks.back()) picks.push_back(pick);
  }
  return picks;
}

namespace {

// The largest cut position <= `position` that does not split a UTF-8 character.
size_t utf8_boundary_before(const std::string& text, size_t position) {
  while (position > 0 && position < text.size() &&
         (static_cast<unsigned char>(text[position]) & 0xc0) == 0x80) {
    --position;
  }
  return position;
}

Json number_or_null(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M UTC", &parts);
  return buffer;
}

// One completion as the page shows it: the text around the reasoning (pre, post) and the reasoning itself.
Json completion_json(const RolloutRecord& record, size_t question_index, size_t max_chars) {
  const std::string& text = record.completion;
  CompletionParts parts = split_completion(text);
  std::string pre = text, think, post;
  if (parts.think) {
    pre = text.substr(0, parts.think->begin);
    think = text.substr(parts.think->begin, parts.think->size());
    post = text.substr(parts.think->end);
  }
  bool cut = false;
  cut |= cut_middle(pre, parts.think ? max_chars / 4 : max_chars);
  cut |= cut_middle(think, max_chars / 2);
  cut |= cut_middle(post, max_chars / 4);
  std::optional<std::string> answer = record.answer;
  if (answer) cut |= cut_middle(*answer, 2000);

  Json rewards = Json::array();
  for (const auto& verdict : record.rewards) {
    std::string reason = verdict.reason;
    cut_middle(reason, 2000);
    rewards.push_back(
        Json::array({verdict.name, verdict.score ? Json(*verdict.score) : Json(nullptr), reason}));
  }
  Json object;
  object["question"] = question_index;
  object["group"] = record.group;
  object["sample"] = record.sample;
  object["pre"] = pre;
  object["think"] = parts.think ? Json(think) : Json(nullptr);
  object["post"] = post;
  object["answer"] = answer ? Json(*answer) : Json(nullptr);
  object["rewards"] = std::move(rewards);
  object["reward"] = number_or_null(record.reward);
  object["advantage"] = number_or_null(record.advantage);
  object["length"] = record.length;
  object["finish"] = record.finish_reason;
  object["cut"] = cut;
  return object;
}

Json step_completions_json(const RolloutFile& file, const ReportOptions& options, size_t byte_budget,
                           std::vector<std::string>& warnings) {
  std::vector<RolloutRecord> records = read_rollout_file(file, warnings);
  std::map<std::tuple<std::string, std::string, std::string>, size_t> question_index;
  Json questions = Json::array();
  Json shown = Json::array();
  size_t bytes = 0;
  for (size_t index : evenly_spaced(records.size(), options.completions_per_step)) {
    const RolloutRecord& record = records[index];
    auto key = std::make_tuple(record.question_id, record.question, record.gold);
    auto found = question_index.find(key);
    if (found == question_index.end()) {
      std::string text = record.question;
      cut_middle(text, 4000);
      found = question_index.emplace(key, questions.size()).first;
      questions.push_back(Json{{"id", record.question_id}, {"text", text}, {"gold", record.gold}});
    }
    Json completion = completion_json(record, found->second, options.max_completion_chars);
    bytes +=
        completion["pre"].get_ref<const std::string&>().size() +
        (completion["think"].is_string() ? completion["think"].get_ref<const std::string&>().size() : 0) +
        completion["post"].get_ref<const std::string&>().size();
    shown.push_back(std::move(completion));
    if (bytes >= byte_budget) break;
  }
  Json step;
  step["step"] = file.step;
  step["logged"] = records.size();
  step["questions"] = std::move(questions);
  step["completions"] = std::move(shown);
  return step;
}

// RUN_DIR/gate.json (`grpo gate --out`), or null when absent; a damaged one is a warning.
Json read_gate(const std::filesystem::path& run_dir, std::vector<std::string>& warnings) {
  const std::filesystem::path path = run_dir / kGateFile;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  Json gate = Json::parse(read_file(path), nullptr, false);
  if (gate.is_discarded() || !gate.is_object()) {
    warnings.push_back(fmt::format("{} is not a JSON object: the gate is not shown", path.string()));
    return nullptr;
  }
  return gate;
}

}  // namespace

bool cut_middle(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return false;
  size_t head_end = utf8_boundary_before(text, max_bytes * 2 / 3);
  size_t tail_start = utf8_boundary_before(text, text.size() - max_bytes / 3);
  if (tail_start < head_end) tail_start = head_end;
  size_t removed = tail_start - head_end;
  text = text.substr(0, head_end) + fmt::format("\n[… {} bytes cut for the report …]\n", removed) +
         text.substr(tail_start);
  return true;
}

Json build_report_data(const RunLogs& run, const ReportOptions& options, std::vector<std::string>& warnings) {
  Json data;
  std::string title = std::filesystem::absolute(run.run_dir).lexically_normal().filename().string();
  if (title.empty())
    title = std::filesystem::absolute(run.run_dir).lexically_normal().parent_path().filename().string();
  data["title"] = title;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(run.run_dir, ec);
  data["run_dir"] = (ec ? run.run_dir : absolute.lexically_normal()).string();
  data["generated"] = utc_now();
  data["config"] = run.config_toml ? Json(*run.config_toml) : Json(nullptr);
  data["metrics"] = run.metrics;
  data["evals"] = run.evals;
  data["gate"] = read_gate(run.run_dir, warnings);
  namespace m = metric;
  data["eval_keys"] = Json{{"step", m::kStep},
                           {"greedy", m::kGreedyAccuracy},
                           {"pass1", m::kPassAt1},
                           {"passk", m::kPassAtK},
                           {"majk", m::kMajAtK},
                           {"k", m::kK},
                           {"format", m::kEvalFormatRate},
                           {"length", m::kMeanLengthEval},
                           {"problems", m::kNumProblems},
                           {"breakdown", m::kBreakdown},
                           {"field", m::kBreakdownField},
                           {"groups", m::kBreakdownGroups},
                           {"value", m::kBreakdownValue}};

  std::vector<size_t> chosen = evenly_spaced(run.rollout_files.size(), options.max_steps_with_completions);
  size_t byte_budget = chosen.empty() ? 0 : std::max<size_t>(options.max_completion_bytes / chosen.size(), 1);
  Json steps = Json::array();
  for (size_t index : chosen) {
    steps.push_back(step_completions_json(run.rollout_files[index], options, byte_budget, warnings));
  }
  Json completions;
  completions["steps_logged"] = run.rollout_files.size();
  completions["first_step"] =
      run.rollout_files.empty() ? Json(nullptr) : Json(run.rollout_files.front().step);
  completions["last_step"] = run.rollout_files.empty() ? Json(nullptr) : Json(run.rollout_files.back().step);
  completions["limits"] = Json{{"max_steps", options.max_steps_with_completions},
                               {"per_step", options.completions_per_step},
                               {"max_chars", options.max_completion_chars},
                               {"max_bytes", options.max_completion_bytes}};
  completions["steps"] = std::move(steps);
  data["completions"] = std::move(completions);
  std::vector<std::string> all_warnings = run.warnings;
  all_warnings.insert(all_warnings.end(), warnings.begin(), warnings.end());
  data["warnings"] = all_warnings;
  return data;
}

}  // namespace grpo::logs
