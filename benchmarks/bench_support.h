// What the benchmark programs share besides timing: the fixed benchmark model and random prompts for it,
// running a reference script and reading its JSON, a temporary directory for the saved model, and an early
// check of --json's directory.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "model/config.h"

namespace grpo::bench {

// The fixed benchmark model: 8 layers, d_model 512, 8 heads, 4 KV heads, FFN 1408, vocabulary 8000, fp32,
// with room for `context` positions.
inline ModelConfig benchmark_model_config(int64_t context) {
  ModelConfig config;
  config.model_type = "llama";
  config.vocab_size = 8000;
  config.hidden_size = 512;
  config.intermediate_size = 1408;
  config.num_hidden_layers = 8;
  config.num_attention_heads = 8;
  config.num_key_value_heads = 4;
  config.max_position_embeddings = std::max<int64_t>(512, context);
  config.tie_word_embeddings = false;
  config.bos_token_id = 1;
  config.eos_token_id = 2;
  config.torch_dtype = "float32";
  return config;
}

// `count` prompts of `length` token ids drawn uniformly from [3, vocab_size) (clear of bos/eos), seeded.
inline std::vector<std::vector<int64_t>> random_prompts(int64_t count, int64_t length, int64_t vocab_size,
                                                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> token(3, vocab_size - 1);
  std::vector<std::vector<int64_t>> prompts(count, std::vector<int64_t>(length));
  for (auto& prompt : prompts) {
    for (auto& id : prompt) id = token(rng);
  }
  return prompts;
}

// `text` as one single-quoted shell word.
inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `command` and parses the last line of its standard output as JSON; {"error": why} when it fails or the
// line lacks one of `keys`.
inline nlohmann::json run_json_command(const std::string& command, const std::vector<std::string>& keys) {
  using nlohmann::json;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {{"error", "popen failed: " + command}};
  std::string output;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) return {{"error", fmt::format("{} exited with status {}", command, status)}};
  while (!output.empty() && output.back() == '\n') output.pop_back();
  const auto line_start = output.find_last_of('\n');
  const std::string last_line = output.substr(line_start == std::string::npos ? 0 : line_start + 1);
  try {
    json parsed = json::parse(last_line);
    for (const auto& key : keys) {
      if (!parsed.contains(key)) return {{"error", fmt::format("no {} in: {}", key, last_line)}};
    }
    return parsed;
  } catch (const json::exception&) {
    return {{"error", "output is not JSON: " + last_line}};
  }
}

// A temporary directory (named after the benchmark and the process) removed when it goes out of scope.
struct TemporaryDirectory {
  std::filesystem::path path;
  explicit TemporaryDirectory(const std::string& benchmark) {
    path = std::filesystem::temp_directory_path() / fmt::format("grpo_{}_{}", benchmark, ::getpid());
    std::filesystem::create_directories(path);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
};

// Fails before minutes of measuring, not after, when --json names a file in a directory that does not exist.
inline void check_json_directory(const std::string& json_path) {
  if (json_path.empty()) return;
  const std::filesystem::path parent = std::filesystem::absolute(json_path).parent_path();
  if (!std::filesystem::is_directory(parent)) {
    fail("--json {}: the directory {} does not exist; create it first", json_path, parent.string());
  }
}

}  // namespace grpo::bench
