// Safetensors: read and write the format (little-endian u64 header length, JSON header, raw little-endian
// data), F32 / BF16 / F16 (and I64/I32 for completeness), single files and Hugging Face's sharded layout
// (model.safetensors.index.json). Every malformed file gives one grpo::Error naming the file and the tensor.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace grpo {

using TensorMap = std::map<std::string, torch::Tensor>;

struct SafetensorsFile {
  TensorMap tensors;                            // CPU tensors, in the file's dtype
  std::map<std::string, std::string> metadata;  // the header's __metadata__
};

// Reads one .safetensors file.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

// One tensor as a header describes it, read without its data.
struct SafetensorsEntry {
  std::string dtype;           // "F32", "BF16", ...
  std::vector<int64_t> shape;  // [] for a scalar
};

// Reads and checks only the header of one .safetensors file, without the data: the same checks and errors as
// read_safetensors (dtypes, shapes, offsets against the file's size, overlaps).
std::map<std::string, SafetensorsEntry> read_safetensors_header(const std::filesystem::path& path);

// Writes one .safetensors file atomically; tensors are moved to CPU and made contiguous, keeping their dtype.
void write_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Reads model weights from a directory: model.safetensors, or the shards listed in
// model.safetensors.index.json.
TensorMap read_model_weights(const std::filesystem::path& directory);
// The same, also recording which file each tensor came from (for error messages that name it).
TensorMap read_model_weights(const std::filesystem::path& directory,
                             std::map<std::string, std::filesystem::path>* tensor_files);

// The headers of a model directory's weights (name -> dtype and shape), without reading any tensor data; the
// same layout and checks as read_model_weights.
std::map<std::string, SafetensorsEntry> read_model_weight_headers(
    const std::filesystem::path& directory,
    std::map<std::string, std::filesystem::path>* tensor_files = nullptr);

// The weight files of a model directory: model.safetensors, or the shards its index lists (sorted).
std::vector<std::filesystem::path> model_weight_files(const std::filesystem::path& directory);

// Writes model weights into a directory as model.safetensors, or as shards of at most `max_shard_bytes`
// (model-00001-of-0000N.safetensors + model.safetensors.index.json) when the total is larger. 0 = never
// shard.
void write_model_weights(const std::filesystem::path& directory, const TensorMap& tensors,
                         int64_t max_shard_bytes = 0);

}  // namespace grpo
