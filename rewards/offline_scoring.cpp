#include "rewards/offline_scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/files.h"
#include "rewards/text_scan.h"

namespace grpo {

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::string content = read_file(path);
  std::vector<nlohmann::json> rows;
  size_t start = 0;
  size_t line_number = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    ++line_number;
    std::string_view line(content.data() + start, end - start);
    start = end + 1;
    if (text::is_blank(line)) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
      fail("{}:{}: not a JSON line ({}); each line must be one JSON object", path.string(), line_number,
           e.what());
    }
    if (!rows.back().is_object()) {
      fail("{}:{}: a JSON {} where an object was expected", path.string(), line_number,
           rows.back().type_name());
    }
  }
  return rows;
}

std::vector<RewardInput> read_completions(const std::filesystem::path& completions_path,
                                          const std::filesystem::path& data_path) {
  std::vector<nlohmann::json> rows;
  if (!data_path.empty()) rows = read_jsonl(data_path);
  std::vector<nlohmann::json> lines = read_jsonl(completions_path);
  std::vector<RewardInput> inputs;
  inputs.reserve(lines.size());
  for (size_t k = 0; k < lines.size(); ++k) {
    const nlohmann::json& line = lines[k];
    std::string where = fmt::format("{} (completion {})", completions_path.string(), k);
    RewardInput input;
    auto completion = line.find("completion");
    if (completion == line.end() || !completion->is_string()) {
      fail("{}: needs \"completion\" as text", where);
    }
    input.completion = completion->get<std::string>();
    if (auto row = line.find("row"); row != line.end()) {
      input.row = *row;
    } else if (auto index = line.find("index"); index != line.end()) {
      if (!index->is_number_integer()) fail("{}: \"index\" must be an integer row number", where);
      auto n = index->get<int64_t>();
      if (data_path.empty())
        fail("{}: has \"index\" {} but no data file was given (--data rows.jsonl)", where, n);
      if (n < 0 || n >= static_cast<int64_t>(rows.size())) {
        fail("{}: \"index\" {} is outside {} (rows 0..{})", where, n, data_path.string(),
             static_cast<int64_t>(rows.size()) - 1);
      }
      input.row = rows[static_cast<size_t>(n)];
    } else {
      fail("{}: needs \"index\" (a row of the data file) or \"row\" (the row itself)", where);
    }
    if (auto prompt = line.find("prompt"); prompt != line.end()) {
      if (!prompt->is_string()) fail("{}: \"prompt\" must be text", where);
      input.prompt = prompt->get<std::string>();
    } else if (input.row.is_object() && input.row.contains("prompt") && input.row["prompt"].is_string()) {
      input.prompt = input.row["prompt"].get<std::string>();
    }
    if (auto ids = line.find("completion_ids"); ids != line.end()) {
      if (!ids->is_array()) fail("{}: \"completion_ids\" must be a list of integers", where);
      for (const auto& id : *ids) {
        if (!id.is_number_integer()) fail("{}: \"completion_ids\" must be a list of integers", where);
        input.completion_ids.push_back(id.get<int64_t>());
      }
    }
    input.finish_reason = "stop";
    if (auto reason = line.find("finish_reason"); reason != line.end()) {
      if (!reason->is_string()) fail("{}: \"finish_reason\" must be text", where);
      input.finish_reason = reason->get<std::string>();
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

OfflineScores score_offline(RewardSet& rewards, const std::vector<RewardInput>& inputs, size_t batch_size) {
  if (batch_size == 0) fail("batch size must be at least 1");
  OfflineScores scores;
  scores.names = rewards.names();
  scores.weights = rewards.weights();
  scores.results.resize(rewards.size());
  for (size_t start = 0; start < inputs.size(); start += batch_size) {
    size_t end = std::min(inputs.size(), start + batch_size);
    std::vector<RewardInput> batch(inputs.begin() + static_cast<std::ptrdiff_t>(start),
                                   inputs.begin() + static_cast<std::ptrdiff_t>(end));
    ScoredBatch scored = rewards.score(batch);
    scores.totals.insert(scores.totals.end(), scored.totals.begin(), scored.totals.end());
    for (size_t r = 0; r < rewards.size(); ++r) {
      auto& all = scores.results[r];
      all.insert(all.end(), std::make_move_iterator(scored.results[r].begin()),
                 std::make_move_iterator(scored.results[r].end()));
    }
  }
  return scores;
}

namespace {

std::string number_or_na(double value) {
  return std::isnan(value) ? "n/a" : fmt::format("{:.4f}", value);
}

}  // namespace

std::string format_summary(const OfflineScores& scores) {
  std::string out = fmt::format("{} completion{}, {} reward{}\n", scores.totals.size(),
                                scores.totals.size() == 1 ? "" : "s", scores.names.size(),
                                scores.names.size() == 1 ? "" : "s");
  size_t width = 6;
  for (const auto& name : scores.names) width = std::max(width, std::min<size_t>(name.size(), 40));
  out += fmt::format("  {:<{}}  {:>8}  {:>8}  {:>8}  {:>12}\n", "reward", width, "weight", "mean", "std",
                     "applicable");
  for (size_t r = 0; r < scores.names.size(); ++r) {
    RewardStatistics statistics = summarize_results(scores.names[r], scores.weights[r], scores.results[r]);
    out += fmt::format("  {:<{}}  {:>8.3g}  {:>8}  {:>8}  {:>12}\n", scores.names[r].substr(0, 40), width,
                       scores.weights[r], number_or_na(statistics.mean), number_or_na(statistics.std),
                       fmt::format("{}/{}", statistics.applicable, statistics.count));
  }
  std::vector<RewardResult> totals;
  for (double total : scores.totals) totals.push_back({total, ""});
  RewardStatistics total = summarize_results("total", 0, totals);
  out += fmt::format("  {:<{}}  {:>8}  {:>8}  {:>8}\n", "total", width, "", number_or_na(total.mean),
                     number_or_na(total.std));
  for (size_t r = 0; r < scores.names.size(); ++r) {
    std::map<std::string, int64_t> counts;
    for (const RewardResult& result : scores.results[r]) {
      if (!result.reason.empty()) ++counts[result.reason];
    }
    if (counts.empty()) continue;
    std::vector<std::pair<std::string, int64_t>> ordered(counts.begin(), counts.end());
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    out += fmt::format("most common reasons, {}:\n", scores.names[r]);
    for (size_t k = 0; k < std::min<size_t>(ordered.size(), 5); ++k) {
      out += fmt::format("  {:>6}x  {}\n", ordered[k].second, text::printable(ordered[k].first, 100));
    }
  }
  return out;
}

std::string format_scores_jsonl(const OfflineScores& scores) {
  std::string out;
  for (size_t i = 0; i < scores.totals.size(); ++i) {
    nlohmann::json line = {{"index", i}, {"total", scores.totals[i]}};
    nlohmann::json values = nlohmann::json::object();
    nlohmann::json reasons = nlohmann::json::object();
    for (size_t r = 0; r < scores.names.size(); ++r) {
      const RewardResult& result = scores.results[r][i];
      values[scores.names[r]] = result.score ? nlohmann::json(*result.score) : nlohmann::json(nullptr);
      reasons[scores.names[r]] = result.reason;
    }
    line["scores"] = std::move(values);
    line["reasons"] = std::move(reasons);
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace grpo
