#include "logs/run_reader.h"

#include <fmt/format.h>

#include <map>
#include <system_error>

#include "core/error.h"
#include "core/files.h"

namespace grpo::logs {

namespace fs = std::filesystem;

std::optional<double> number_field(const Json& object, const std::string& key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return found->get<double>();
}

int64_t step_of(const Json& object) {
  return object.at("step").get<int64_t>();
}

std::vector<Json> last_per_step(std::vector<Json> objects, const std::string& source,
                                std::vector<std::string>& warnings) {
  std::map<int64_t, Json> by_step;
  size_t without_step = 0;
  for (auto& object : objects) {
    auto step = object.find("step");
    if (step == object.end() || !step->is_number_integer()) {
      ++without_step;
      continue;
    }
    int64_t key = step->get<int64_t>();
    by_step[key] = std::move(object);
  }
  if (without_step > 0) {
    warnings.push_back(fmt::format("{}: {} line{} without an integer \"step\" field: skipped", source,
                                   without_step, without_step == 1 ? "" : "s"));
  }
  std::vector<Json> result;
  result.reserve(by_step.size());
  for (auto& [step, object] : by_step) result.push_back(std::move(object));
  return result;
}

namespace {
std::vector<Json> read_step_file(const fs::path& path, std::vector<std::string>& warnings) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  JsonLines lines = read_json_lines(path);
  warnings.insert(warnings.end(), lines.warnings.begin(), lines.warnings.end());
  return last_per_step(std::move(lines.objects), path.string(), warnings);
}
}  // namespace

RunLogs read_run(const fs::path& run_dir) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    fail("'{}' is not a directory: give the run directory the trainer wrote (it holds {}, {} and {}/)",
         run_dir.string(), kMetricsFile, kEvalFile, kRolloutsDir);
  }
  RunLogs run;
  run.run_dir = run_dir;
  fs::path config = run_dir / kConfigFile;
  if (fs::exists(config, ec)) run.config_toml = read_file(config);
  run.metrics = read_step_file(run_dir / kMetricsFile, run.warnings);
  run.evals = read_step_file(run_dir / kEvalFile, run.warnings);
  run.rollout_files = list_rollout_files(run_dir);
  bool any = run.config_toml || fs::exists(run_dir / kMetricsFile, ec) ||
             fs::exists(run_dir / kEvalFile, ec) || fs::is_directory(run_dir / kRolloutsDir, ec);
  if (!any) {
    fail("'{}' holds no run logs (none of {}, {}, {}, {}/): is it the run directory of a training run?",
         run_dir.string(), kConfigFile, kMetricsFile, kEvalFile, kRolloutsDir);
  }
  return run;
}

std::vector<RolloutRecord> read_rollout_file(const RolloutFile& file, std::vector<std::string>& warnings) {
  JsonLines lines = read_json_lines(file.path);
  warnings.insert(warnings.end(), lines.warnings.begin(), lines.warnings.end());
  std::vector<RolloutRecord> records;
  records.reserve(lines.objects.size());
  size_t index = 0;
  for (const auto& object : lines.objects) {
    ++index;
    std::string problem;
    auto record = rollout_from_json(object, &problem);
    if (!record) {
      warnings.push_back(fmt::format("{}: record {}: {}: skipped", file.path.string(), index, problem));
      continue;
    }
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace grpo::logs
