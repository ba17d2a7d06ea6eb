// `grpo info DIR`: what a model directory holds: configuration, parameter count, weight files, tokenizer, and
// the memory the model needs for inference and for training.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "model/config.h"
#include "model/model_summary.h"
#include "model/safetensors.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

std::string token_name(int64_t id) {
  return id < 0 ? "none" : std::to_string(id);
}

// "151645 <|im_end|>", or "none".
std::string token_text(const Tokenizer& tokenizer, int64_t id) {
  return id < 0 ? "none" : fmt::format("{} {}", id, tokenizer.id_to_piece(id));
}

void print_configuration(const ModelConfig& config) {
  fmt::print("configuration (config.json):\n");
  fmt::print("  {}\n", describe_architecture(config));
  fmt::print("  max positions {}, rope_theta {}, rms_norm_eps {}, activation {}\n",
             config.max_position_embeddings, config.rope_theta, config.rms_norm_eps, config.hidden_act);
  std::string eos = token_name(config.eos_token_id);
  for (int64_t id : config.extra_eos_token_ids) eos += fmt::format(", {}", id);
  fmt::print("  tokens: bos {}, eos {}, pad {}; stored as {}\n", token_name(config.bos_token_id), eos,
             token_name(config.pad_token_id), config.torch_dtype);
}

void print_parameters(const ModelConfig& config) {
  const int64_t total = config.parameter_count();
  const int64_t embedding = config.vocab_size * config.hidden_size;
  const int64_t head = config.tie_word_embeddings ? 0 : embedding;
  const int64_t layers = total - embedding - head - config.hidden_size;
  fmt::print("parameters: {} ({})\n", grouped_digits(total), short_count(total));
  fmt::print("  embedding {}, {} layers {} ({}), final norm {}, head {}\n", grouped_digits(embedding),
             config.num_hidden_layers, grouped_digits(layers),
             config.is_moe() ? "dense and sparse layers differ"
                             : grouped_digits(layers / config.num_hidden_layers) + " each",
             config.hidden_size, config.tie_word_embeddings ? "tied to the embedding" : grouped_digits(head));
  if (config.is_moe()) {
    const int64_t active = config.active_parameter_count();
    fmt::print("  experts: {}\n", describe_experts(config));
    fmt::print("  active per token: {} ({}, {:.0f}% of the total)\n", grouped_digits(active),
               short_count(active), 100.0 * static_cast<double>(active) / static_cast<double>(total));
  }

  const double count = static_cast<double>(total);
  fmt::print(
      "memory (weights only; activations and the KV cache come on top, growing with batch and length):\n");
  fmt::print("  weights in float32:  {}\n", human_bytes(4 * count));
  fmt::print("  weights in bfloat16: {}\n", human_bytes(2 * count));
  fmt::print("  training with AdamW in float32 (weights, gradients, two moments: {} bytes/parameter): {}\n",
             kAdamWTrainingBytesPerParameter, human_bytes(kAdamWTrainingBytesPerParameter * count));
  fmt::print("  + a frozen reference model for the KL term (beta > 0): {} more in float32\n",
             human_bytes(4 * count));
}

void print_weights(const fs::path& directory, const ModelConfig& config) {
  fmt::print("weights:\n");
  int64_t values = 0, tensors = 0;
  std::set<std::string> dtypes;
  for (const auto& file : model_weight_files(directory)) {
    const auto entries = read_safetensors_header(file);
    for (const auto& [name, entry] : entries) {
      int64_t elements = 1;
      for (int64_t size : entry.shape) elements *= size;
      values += elements;
      dtypes.insert(entry.dtype);
    }
    tensors += static_cast<int64_t>(entries.size());
    fmt::print("  {} ({}, {} tensors)\n", file.filename().string(),
               human_bytes(static_cast<double>(fs::file_size(file))), entries.size());
  }
  std::string dtype_list;
  for (const auto& dtype : dtypes) dtype_list += (dtype_list.empty() ? "" : ", ") + dtype;
  const bool matches = values == config.parameter_count();
  fmt::print("  {} tensors, {} values ({}): {}\n", tensors, grouped_digits(values), dtype_list,
             matches ? "the count config.json implies"
                     : fmt::format("config.json implies {}; loading will say which tensors differ",
                                   grouped_digits(config.parameter_count())));
}

// What kind of tokenizer a file is.
std::string tokenizer_kind(const std::string& file) {
  if (file == "tokenizer.json") return "Hugging Face tokenizers";
  if (file == "tokenizer.model") return "SentencePiece";
  return "GPT-2 vocab.json + merges.txt";
}

// The tokenizer file load_tokenizer reads in `directory`, in its order; empty when there is none.
std::string tokenizer_file_name(const fs::path& directory) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "vocab.json"}) {
    if (fs::exists(directory / name)) return name;
  }
  return "";
}

void print_tokenizer(const fs::path& directory, const ModelConfig& config) {
  const std::string file = tokenizer_file_name(directory);
  if (file.empty()) {
    fmt::print(
        "tokenizer: none (add one: grpo tokenizer train --out {}, or copy a model's tokenizer files)\n",
        (directory / "tokenizer.model").string());
    return;
  }
  const auto tokenizer = load_tokenizer(directory);
  fmt::print("tokenizer: {} ({}), {} tokens; bos {}, eos {}, pad {}\n", file, tokenizer_kind(file),
             tokenizer->vocab_size(), token_text(*tokenizer, tokenizer->bos_id()),
             token_text(*tokenizer, tokenizer->eos_id()), token_text(*tokenizer, tokenizer->pad_id()));
  const auto special = tokenizer->special_tokens();
  constexpr size_t kShown = 12;
  std::string listed;
  for (size_t i = 0; i < special.size() && i < kShown; ++i) listed += (i == 0 ? "" : " ") + special[i];
  if (special.size() > kShown) listed += fmt::format(" ... ({} more)", special.size() - kShown);
  fmt::print("  special tokens: {}{}\n", special.size(), special.empty() ? "" : ": " + listed);
  const auto tokenizer_config = find_tokenizer_config(directory);
  std::string templates = "none";
  if (tokenizer_config && !tokenizer_config->chat_templates.empty()) {
    std::vector<std::string> names;
    for (const auto& named : tokenizer_config->chat_templates) names.push_back(named.name);
    templates = fmt::format("yes ({})", fmt::join(names, ", "));
  }
  fmt::print("  chat template: {}\n", templates);
  if (const auto generation = find_generation_config(directory);
      generation && !generation->eos_token_ids.empty()) {
    fmt::print("  generation_config.json: generation stops at {}\n",
               fmt::join(generation->eos_token_ids, ", "));
  }
  if (tokenizer->vocab_size() > config.vocab_size) {
    fail(
        "'{}' has {} tokens but config.json's vocab_size is {}: the model cannot embed every token; recreate "
        "the "
        "model with `grpo init --tokenizer`",
        (directory / file).string(), tokenizer->vocab_size(), config.vocab_size);
  }
  if (tokenizer->vocab_size() < config.vocab_size) {
    fmt::print("  embedding rows {}..{} have no token (padding): never sampled\n", tokenizer->vocab_size(),
               config.vocab_size - 1);
  }
}

void run_info(const std::string& directory_name) {
  const fs::path directory = directory_name;
  if (!fs::is_directory(directory)) {
    fail("model directory '{}' does not exist (create one with `grpo init {}`)", directory_name,
         directory_name);
  }
  const ModelConfig config = ModelConfig::load(directory / "config.json");
  fmt::print("model directory: {}\n", directory_name);
  print_configuration(config);
  print_parameters(config);
  print_weights(directory, config);
  print_tokenizer(directory, config);
}

void add_info_command(CLI::App& app, CommandContext& context) {
  auto directory = std::make_shared<std::string>();
  CLI::App* info = app.add_subcommand(
      "info",
      "Show a model directory: configuration, parameter count, weight files, tokenizer, memory needed");
  info->add_option("directory", *directory, "A model directory (config.json, weights, tokenizer files)")
      ->required();
  info->callback([directory, &context] { context.action = [directory] { run_info(*directory); }; });
}

}  // namespace

static const CommandRegistration registration{"info", 11, add_info_command};

}  // namespace grpo::app
