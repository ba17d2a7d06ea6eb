#include "trainer/checkpoint.h"

#include <torch/serialize.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <vector>

#include "core/atomic_directory.h"
#include "core/error.h"
#include "core/files.h"
#include "model/lora.h"
#include "model/model_dir.h"
#include "model/tokenizer_files.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

std::string step_name(int64_t step) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "step-%08lld", static_cast<long long>(step));
  return buffer;
}

uint64_t fnv1a_of_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("checkpoint file '{}' cannot be read", path.string());
  uint64_t hash = 1469598103934665603ull;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(buffer[static_cast<size_t>(i)]);
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

nlohmann::json make_manifest(const fs::path& directory) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::string relative = fs::relative(entry.path(), directory).string();
    if (relative == "manifest.json") continue;
    files[relative] = {{"bytes", entry.file_size()},
                       {"fnv1a64", fmt::format("{:016x}", fnv1a_of_file(entry.path()))}};
  }
  return {{"format", "grpo-checkpoint-1"}, {"files", files}};
}

std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const fs::path& run_dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  fs::path folder = run_dir / "checkpoints";
  if (!fs::is_directory(folder)) return found;
  static const std::regex pattern("step-([0-9]{8})");
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::smatch match;
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && std::regex_match(name, match, pattern)) {
      found.emplace_back(std::stoll(match[1].str()), entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

fs::path save_checkpoint(const fs::path& run_dir, int64_t step, const CheckpointContents& contents,
                         int64_t keep_last) {
  fs::path folder = run_dir / "checkpoints";
  fs::create_directories(folder);
  fs::path target = folder / step_name(step);
  fs::path staging = folder / ("." + step_name(step) + ".partial");
  remove_stale_staging(run_dir);
  fs::create_directories(staging);

  save_model_as(*contents.policy, staging / "model", "float32");  // full precision: resume must be exact
  if (!contents.source_model.empty()) copy_tokenizer_files(contents.source_model, staging / "model");
  if (!contents.prompt_settings.is_null()) {
    write_file_atomically(staging / "model" / kPromptSettingsFile, contents.prompt_settings.dump(2) + "\n");
  }
  if (contents.lora_adapter) {
    save_lora_adapter(*contents.policy, staging / "adapter", contents.source_model.string());
  }
  if (contents.reference != nullptr) save_model_as(*contents.reference, staging / "reference", "float32");
  if (contents.optimizer != nullptr) torch::save(*contents.optimizer, (staging / "optimizer.pt").string());
  write_file_atomically(staging / "trainer_state.json", contents.trainer_state.dump(2) + "\n");
  write_file_atomically(staging / "manifest.json", make_manifest(staging).dump(2) + "\n");
  sync_tree(staging);
  replace_directory_atomically(staging, target);  // a resumed run redoing this step replaces it in one step

  auto checkpoints = list_checkpoints(run_dir);
  if (keep_last > 0 && static_cast<int64_t>(checkpoints.size()) > keep_last) {
    for (size_t i = 0; i + static_cast<size_t>(keep_last) < checkpoints.size(); ++i) {
      fs::remove_all(checkpoints[i].second);
    }
  }
  return target;
}

size_t remove_stale_staging(const fs::path& run_dir) {
  fs::path folder = run_dir / "checkpoints";
  if (!fs::is_directory(folder)) return 0;
  static const std::regex pattern("\\.step-[0-9]{8}\\.partial|step-[0-9]{8}\\.replaced");
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (std::regex_match(entry.path().filename().string(), pattern)) stale.push_back(entry.path());
  }
  for (const auto& path : stale) fs::remove_all(path);
  return stale.size();
}

bool is_checkpoint_directory(const fs::path& path) {
  return fs::is_directory(path) &&
         (fs::exists(path / "manifest.json") || fs::exists(path / "trainer_state.json"));
}

std::optional<fs::path> latest_checkpoint(const fs::path& run_dir) {
  auto checkpoints = list_checkpoints(run_dir);
  if (checkpoints.empty()) return std::nullopt;
  return checkpoints.back().second;
}

void verify_checkpoint(const fs::path& checkpoint) {
  fs::path manifest_path = checkpoint / "manifest.json";
  if (!fs::exists(manifest_path)) {
    fail("checkpoint '{}' has no manifest.json: it is incomplete; resume from an earlier checkpoint",
         checkpoint.string());
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_file(manifest_path));
  } catch (const nlohmann::json::exception& e) {
    fail("checkpoint '{}': manifest.json is not valid JSON ({})", checkpoint.string(), e.what());
  }
  for (const auto& [relative, expected] : manifest.at("files").items()) {
    fs::path file = checkpoint / relative;
    if (!fs::exists(file)) fail("checkpoint '{}' is damaged: '{}' is missing", checkpoint.string(), relative);
    uint64_t bytes = fs::file_size(file);
    if (bytes != expected.at("bytes").get<uint64_t>()) {
      fail(
          "checkpoint '{}' is damaged: '{}' has {} bytes, the manifest says {} (truncated?); resume from an "
          "earlier checkpoint",
          checkpoint.string(), relative, bytes, expected.at("bytes").get<uint64_t>());
    }
    if (fmt::format("{:016x}", fnv1a_of_file(file)) != expected.at("fnv1a64").get<std::string>()) {
      fail("checkpoint '{}' is damaged: '{}' does not match its hash in the manifest", checkpoint.string(),
           relative);
    }
  }
}

nlohmann::json read_trainer_state(const fs::path& checkpoint) {
  return nlohmann::json::parse(read_file(checkpoint / "trainer_state.json"));
}

void load_optimizer_state(const fs::path& checkpoint, torch::optim::Optimizer& optimizer) {
  fs::path path = checkpoint / "optimizer.pt";
  if (!fs::exists(path)) fail("checkpoint '{}' has no optimizer.pt", checkpoint.string());
  torch::load(optimizer, path.string());
}

std::optional<std::filesystem::path> checkpoint_to_resume(const std::string& resume,
                                                          const std::filesystem::path& run_dir) {
  if (resume == "latest") return latest_checkpoint(run_dir);
  const std::filesystem::path given(resume);
  if (is_checkpoint_directory(given)) return given;
  if (std::filesystem::is_directory(given)) {
    if (auto newest = latest_checkpoint(given)) return newest;
  }
  fail(
      "--resume '{}' is neither a checkpoint directory (RUN/checkpoints/step-N, with manifest.json) nor a "
      "run "
      "directory holding one; give one, or --resume alone for the newest checkpoint of --output-dir",
      resume);
}

}  // namespace grpo
