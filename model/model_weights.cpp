// Model weights in a directory, as Hugging Face lays them out: model.safetensors, or shards
// (model-00001-of-0000N.safetensors) listed in model.safetensors.index.json.
#include "model/safetensors.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/files.h"

namespace grpo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

std::string shard_name(size_t index, size_t count) {
  return fmt::format("model-{:05d}-of-{:05d}.safetensors", index, count);
}

bool is_shard_name(const std::string& name) {
  static const std::regex pattern(R"(model-\d{5}-of-\d{5}\.safetensors)");
  return std::regex_match(name, pattern);
}

int64_t tensor_bytes(const torch::Tensor& tensor) {
  return tensor.numel() * static_cast<int64_t>(tensor.element_size());
}

// model.safetensors.index.json -> shard file -> the tensors the index places in it; shard names are checked
// to be plain file names inside the directory, and every shard to exist.
std::map<std::string, std::vector<std::string>> read_shard_index(const fs::path& directory) {
  const fs::path index_path = directory / kIndexFile;
  json index;
  try {
    index = json::parse(read_file(index_path));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    fail("'{}' is not valid JSON: {}", index_path.string(), e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    fail("'{}' has no \"weight_map\" object (tensor name -> shard file)", index_path.string());
  }
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) {
      fail("'{}': tensor '{}' maps to {}, not a file name", index_path.string(), name, shard.dump());
    }
    const std::string shard_file = shard.get<std::string>();
    if (shard_file.empty() || shard_file.find('/') != std::string::npos || shard_file == "." ||
        shard_file == "..") {
      fail("'{}': tensor '{}' maps to \"{}\", which is not a file name inside the directory",
           index_path.string(), name, shard_file);
    }
    shards[shard_file].push_back(name);
  }
  for (const auto& [shard_file, names] : shards) {
    if (!fs::exists(directory / shard_file)) {
      fail("'{}' lists shard '{}' (for tensor '{}'), but '{}' does not exist", index_path.string(),
           shard_file, names.front(), (directory / shard_file).string());
    }
  }
  return shards;
}

void fail_without_weights(const fs::path& directory) {
  std::string hint = fs::exists(directory / "pytorch_model.bin")
                         ? " (pytorch_model.bin is not read: convert the checkpoint to safetensors)"
                         : "";
  fail("'{}' has no weights: expected {} or {}{}", directory.string(), kSingleFile, kIndexFile, hint);
}

}  // namespace

std::vector<fs::path> model_weight_files(const fs::path& directory) {
  if (fs::exists(directory / kIndexFile)) {
    std::vector<fs::path> files;
    for (const auto& [shard_file, names] : read_shard_index(directory))
      files.push_back(directory / shard_file);
    return files;
  }
  if (!fs::exists(directory / kSingleFile)) fail_without_weights(directory);
  return {directory / kSingleFile};
}

TensorMap read_model_weights(const fs::path& directory, std::map<std::string, fs::path>* tensor_files) {
  const fs::path index_path = directory / kIndexFile;
  const fs::path single_path = directory / kSingleFile;
  TensorMap weights;
  if (!fs::exists(index_path)) {
    if (!fs::exists(single_path)) fail_without_weights(directory);
    weights = read_safetensors(single_path).tensors;
    if (tensor_files != nullptr) {
      for (const auto& [name, tensor] : weights) (*tensor_files)[name] = single_path;
    }
    return weights;
  }
  for (const auto& [shard_file, names] : read_shard_index(directory)) {
    const fs::path shard_path = directory / shard_file;
    TensorMap shard_tensors = read_safetensors(shard_path).tensors;
    for (const auto& name : names) {
      auto found = shard_tensors.find(name);
      if (found == shard_tensors.end()) {
        fail("'{}' places tensor '{}' in '{}', but that shard does not contain it", index_path.string(), name,
             shard_path.string());
      }
      weights.emplace(name, std::move(found->second));
      if (tensor_files != nullptr) (*tensor_files)[name] = shard_path;
    }
  }
  return weights;
}

TensorMap read_model_weights(const fs::path& directory) {
  return read_model_weights(directory, nullptr);
}

std::map<std::string, SafetensorsEntry> read_model_weight_headers(
    const fs::path& directory, std::map<std::string, fs::path>* tensor_files) {
  const fs::path index_path = directory / kIndexFile;
  const fs::path single_path = directory / kSingleFile;
  std::map<std::string, SafetensorsEntry> entries;
  if (!fs::exists(index_path)) {
    if (!fs::exists(single_path)) fail_without_weights(directory);
    entries = read_safetensors_header(single_path);
    if (tensor_files != nullptr) {
      for (const auto& [name, entry] : entries) (*tensor_files)[name] = single_path;
    }
    return entries;
  }
  for (const auto& [shard_file, names] : read_shard_index(directory)) {
    const fs::path shard_path = directory / shard_file;
    auto shard_entries = read_safetensors_header(shard_path);
    for (const auto& name : names) {
      auto found = shard_entries.find(name);
      if (found == shard_entries.end()) {
        fail("'{}' places tensor '{}' in '{}', but that shard does not contain it", index_path.string(), name,
             shard_path.string());
      }
      entries.emplace(name, std::move(found->second));
      if (tensor_files != nullptr) (*tensor_files)[name] = shard_path;
    }
  }
  return entries;
}

void write_model_weights(const fs::path& directory, const TensorMap& tensors, int64_t max_shard_bytes) {
  fs::create_directories(directory);
  int64_t total_bytes = 0;
  for (const auto& [name, tensor] : tensors) total_bytes += tensor_bytes(tensor);
  const fs::path index_path = directory / kIndexFile;

  // Files of an earlier save that this one does not replace are removed only after the new set is complete:
  // a reader meanwhile finds the old set or the new one (the index, when present, is what readers follow).
  auto remove_stale_shards = [&](const std::set<std::string>& keep) {
    for (const auto& item : fs::directory_iterator(directory)) {
      const std::string name = item.path().filename().string();
      if (is_shard_name(name) && keep.count(name) == 0) fs::remove(item.path());
    }
  };

  if (max_shard_bytes <= 0 || total_bytes <= max_shard_bytes) {
    write_safetensors(directory / kSingleFile, tensors);
    fs::remove(index_path);
    sync_path(directory);
    remove_stale_shards({});
    return;
  }

  // Greedy packing in name order; a tensor larger than the limit gets a shard of its own.
  std::vector<TensorMap> shards(1);
  int64_t shard_bytes = 0;
  for (const auto& [name, tensor] : tensors) {
    const int64_t bytes = tensor_bytes(tensor);
    if (!shards.back().empty() && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().emplace(name, tensor);
    shard_bytes += bytes;
  }
  json weight_map = json::object();
  std::set<std::string> written;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string file = shard_name(i + 1, shards.size());
    write_safetensors(directory / file, shards[i]);
    written.insert(file);
    for (const auto& [name, tensor] : shards[i]) weight_map[name] = file;
  }
  json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomically(index_path, index.dump(2) + "\n");
  fs::remove(directory / kSingleFile);
  remove_stale_shards(written);
}

}  // namespace grpo
