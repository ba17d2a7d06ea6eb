#include "app/pipeline_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/error.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kStageKinds = {"sft", "train", "generate", "distill", "eval"};
const std::set<std::string> kModelKeys = {"model", "teacher", "student"};
const std::set<std::string> kDataKeys = {"data", "eval-data"};
const std::set<std::string> kGlobalKeys = {"seed", "threads", "device"};

bool writes_model(const std::string& run) {
  return run == "sft" || run == "train" || run == "distill";
}

// What the pipeline sets itself, per kind of stage.
std::set<std::string> reserved_keys(const std::string& run) {
  if (writes_model(run)) return {"o", "output-dir", "resume", "overwrite"};
  if (run == "generate") return {"out", "resume", "overwrite"};
  return {"json"};
}

int64_t line_of(const toml::node& node) {
  return static_cast<int64_t>(node.source().begin.line);
}

// A scalar as the command line takes it; throws for tables and other kinds.
std::string scalar_text(const toml::node& node, const std::string& where) {
  if (auto text = node.value_exact<std::string>()) return *text;
  if (auto integer = node.value_exact<int64_t>()) return std::to_string(*integer);
  if (auto number = node.value_exact<double>()) return fmt::format("{}", *number);
  if (auto flag = node.value_exact<bool>()) return *flag ? "true" : "false";
  fail("{}: must be a string, a number, a boolean or an array of them", where);
}

struct Reader {
  std::string file;

  template <typename... Args>
  [[noreturn]] void error(int64_t line, fmt::format_string<Args...> format, Args&&... args) const {
    fail("{}:{}: {}", file, line, fmt::format(format, std::forward<Args>(args)...));
  }
};

}  // namespace

Pipeline read_pipeline(const fs::path& file) {
  Reader reader{file.string()};
  if (!fs::is_regular_file(file)) fail("pipeline file {} does not exist", file.string());
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& parse_error) {
    fail("{}:{}:{}: {}", file.string(), parse_error.source().begin.line, parse_error.source().begin.column,
         parse_error.description());
  }
  Pipeline pipeline;
  pipeline.file = file;
  for (auto&& [key, node] : root) {
    if (key.str() != "pipeline" && key.str() != "stage")
      reader.error(line_of(node), "unknown table '{}': a pipeline file has [pipeline] and [[stage]] tables",
                   key.str());
  }
  const toml::table* settings = root["pipeline"].as_table();
  if (settings == nullptr) fail("{}: no [pipeline] table (with output_dir = \"runs/NAME\")", file.string());
  for (auto&& [key, node] : *settings) {
    const std::string name(key.str());
    if (name == "output_dir") {
      auto value = node.value_exact<std::string>();
      if (!value || value->empty()) reader.error(line_of(node), "output_dir must be a non-empty string");
      pipeline.output_dir = *value;
    } else if (kGlobalKeys.count(name) != 0) {
      pipeline.global_arguments.push_back(fmt::format(
          "--{}={}", name, scalar_text(node, fmt::format("{}:{}: {}", file.string(), line_of(node), name))));
    } else {
      reader.error(line_of(node),
                   "unknown key '{}' in [pipeline]; it takes output_dir, seed, threads, device", name);
    }
  }
  if (pipeline.output_dir.empty())
    reader.error(settings->source().begin.line, "[pipeline] has no output_dir");

  const toml::array* stages = root["stage"].as_array();
  if (stages == nullptr || stages->empty())
    fail("{}: no stage: add [[stage]] tables (name, run, and the command's options)", file.string());
  std::map<std::string, size_t> index_of;  // every stage, to tell a later stage from none
  for (const toml::node& element : *stages) {
    const toml::table* table = element.as_table();
    if (table == nullptr) reader.error(line_of(element), "'stage' must be an array of tables: [[stage]]");
    PipelineStage stage;
    stage.line = line_of(element);
    auto name = (*table)["name"].value_exact<std::string>();
    if (!name) reader.error(stage.line, "a stage has no name (name = \"...\")");
    stage.name = *name;
    if (stage.name.empty() ||
        stage.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-_") != std::string::npos)
      reader.error(stage.line, "stage name '{}': use letters, digits, '-' and '_'", stage.name);
    if (index_of.count(stage.name) != 0) reader.error(stage.line, "two stages are named '{}'", stage.name);
    auto run = (*table)["run"].value_exact<std::string>();
    if (!run)
      reader.error(stage.line, "stage '{}' has no run = \"...\" ({})", stage.name,
                   fmt::join(kStageKinds, ", "));
    stage.run = *run;
    if (std::find(kStageKinds.begin(), kStageKinds.end(), stage.run) == kStageKinds.end())
      reader.error(line_of(*table->get("run")), "stage '{}': unknown stage '{}'; a stage runs one of {}",
                   stage.name, stage.run, fmt::join(kStageKinds, ", "));
    const std::set<std::string> reserved = reserved_keys(stage.run);
    for (auto&& [key, node] : *table) {
      const std::string option(key.str());
      if (option == "name" || option == "run") continue;
      const int64_t line = line_of(node);
      if (reserved.count(option) != 0)
        reader.error(line, "stage '{}': '{}' is set by the pipeline (the stage writes {})", stage.name,
                     option, (pipeline.output_dir / stage.name).string());
      PipelineOption parsed{option, {}, false, line};
      const std::string where = fmt::format("{}:{}: stage '{}': {}", file.string(), line, stage.name, option);
      if (const toml::array* values = node.as_array()) {
        parsed.is_array = true;
        for (const toml::node& value : *values) parsed.values.push_back(scalar_text(value, where));
      } else {
        parsed.values.push_back(scalar_text(node, where));
      }
      stage.options.push_back(std::move(parsed));
    }
    index_of[stage.name] = pipeline.stages.size();
    pipeline.stages.push_back(std::move(stage));
  }

  // References: to an existing, earlier stage that writes what the key reads; no cycle.
  std::vector<std::vector<size_t>> reads(pipeline.stages.size());  // every reference, earlier or not
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    for (const PipelineOption& option : pipeline.stages[i].options) {
      for (const std::string& value : option.values) {
        if (value.empty() || value[0] != '@') continue;
        const std::string target = value.substr(1);
        if (kModelKeys.count(option.key) == 0 && kDataKeys.count(option.key) == 0)
          reader.error(option.line,
                       "stage '{}': {} = '{}': only model, teacher, student, data and eval-data can "
                       "name a stage",
                       pipeline.stages[i].name, option.key, value);
        auto found = index_of.find(target);
        if (found == index_of.end())
          reader.error(option.line, "stage '{}': {} = '{}' names no stage (stages: {})",
                       pipeline.stages[i].name, option.key, value,
                       fmt::join(
                           [&] {
                             std::vector<std::string> names;
                             for (const auto& stage : pipeline.stages) names.push_back(stage.name);
                             return names;
                           }(),
                           ", "));
        reads[i].push_back(found->second);
      }
    }
  }
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    PipelineStage& stage = pipeline.stages[i];
    for (const PipelineOption& option : stage.options) {
      for (const std::string& value : option.values) {
        if (value.empty() || value[0] != '@') continue;
        const size_t target = index_of.at(value.substr(1));
        if (target >= i) {
          // Round a cycle? Follow the references from the target back to this stage.
          std::vector<size_t> path = {i, target};
          std::set<size_t> seen;
          std::function<bool(size_t)> reaches = [&](size_t from) {
            if (!seen.insert(from).second) return false;
            for (size_t next : reads[from]) {
              path.push_back(next);
              if (next == i || reaches(next)) return true;
              path.pop_back();
            }
            return false;
          };
          if (target == i || reaches(target)) {
            std::vector<std::string> names;
            for (size_t step : path) names.push_back(pipeline.stages[step].name);
            reader.error(option.line, "the stages form a cycle: {}", fmt::join(names, " -> "));
          }
          reader.error(option.line, "stage '{}' reads '{}', which runs after it; move stage '{}' before it",
                       stage.name, value, pipeline.stages[target].name);
        }
        const PipelineStage& source = pipeline.stages[target];
        if (kModelKeys.count(option.key) != 0 && !writes_model(source.run))
          reader.error(option.line,
                       "stage '{}' reads a model ({} = '{}') but stage '{}' ({}) writes {}, not a model",
                       stage.name, option.key, value, source.name, source.run,
                       source.run == "generate" ? "rows" : "an evaluation");
        if (kDataKeys.count(option.key) != 0 && source.run != "generate")
          reader.error(option.line,
                       "stage '{}' reads rows ({} = '{}') but stage '{}' ({}) writes {}, not rows",
                       stage.name, option.key, value, source.name, source.run,
                       writes_model(source.run) ? "a model" : "an evaluation");
        stage.inputs.push_back(target);
      }
    }
    auto has = [&stage](const std::string& key) {
      return std::any_of(stage.options.begin(), stage.options.end(),
                         [&key](const PipelineOption& option) { return option.key == key; });
    };
    if (stage.run == "distill") {
      if (!has("teacher")) reader.error(stage.line, "stage '{}' (distill) has no teacher", stage.name);
      if (!has("student") && !has("model"))
        reader.error(stage.line, "stage '{}' (distill) has no student", stage.name);
    } else if (!has("model")) {
      reader.error(stage.line, "stage '{}' ({}) has no model (model = \"DIR\" or \"@STAGE\")", stage.name,
                   stage.run);
    }
  }
  return pipeline;
}

fs::path stage_directory(const Pipeline& pipeline, size_t index) {
  return pipeline.output_dir / pipeline.stages.at(index).name;
}

fs::path stage_output(const Pipeline& pipeline, size_t index) {
  const std::string& run = pipeline.stages.at(index).run;
  if (run == "generate") return stage_directory(pipeline, index) / "rows.jsonl";
  if (run == "eval") return stage_directory(pipeline, index) / "eval.json";
  return stage_directory(pipeline, index);
}

std::vector<std::string> stage_arguments(const Pipeline& pipeline, size_t index, bool resume) {
  const PipelineStage& stage = pipeline.stages.at(index);
  std::vector<std::string> arguments = pipeline.global_arguments;
  arguments.push_back(stage.run);
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) index_of[pipeline.stages[i].name] = i;
  for (const PipelineOption& option : stage.options) {
    for (const std::string& value : option.values) {
      const std::string resolved = !value.empty() && value[0] == '@'
                                       ? stage_output(pipeline, index_of.at(value.substr(1))).string()
                                       : value;
      arguments.push_back(fmt::format("--{}={}", option.key, resolved));
    }
  }
  if (writes_model(stage.run)) {
    arguments.push_back("--output-dir=" + stage_directory(pipeline, index).string());
    if (resume) arguments.push_back("--resume");
  } else if (stage.run == "generate") {
    arguments.push_back("--out=" + stage_output(pipeline, index).string());
    if (resume) arguments.push_back("--resume");
  } else {
    arguments.push_back("--json");
  }
  return arguments;
}

}  // namespace grpo::app
