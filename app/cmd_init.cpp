// `grpo init DIR`: a new model directory (config.json, model.safetensors, tokenizer.model) with a random
// initialisation, from a size preset or explicit sizes.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "core/files.h"
#include "model/model_dir.h"
#include "model/model_summary.h"
#include "tokenizer/tokenizer.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

struct InitArguments {
  std::string directory;
  std::string preset = "tiny";
  std::string model_type = "llama";
  std::string tokenizer;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t max_positions = 0;
  double rope_theta = 0;
  double rms_norm_eps = 0;
  double init_std = 0.02;
  bool tie_embeddings = false;
  std::string dtype = "float32";
  bool force = false;
};

constexpr int64_t kDefaultVocabSize = 8000;  // `grpo tokenizer train`'s default

// The directory may be absent, empty, or hold only the tokenizer.model that init will use (trained into it
// first); anything else is only overwritten with --force.
void check_destination(const fs::path& directory, bool force, bool uses_its_tokenizer) {
  if (!fs::exists(directory)) return;
  if (!fs::is_directory(directory))
    fail("'{}' exists and is not a directory; choose another path", directory.string());
  std::string found;
  for (const auto& item : fs::directory_iterator(directory)) {
    const std::string name = item.path().filename().string();
    if (name == "tokenizer.model" && uses_its_tokenizer) continue;
    found += (found.empty() ? "" : ", ") + name;
  }
  if (!found.empty() && !force) {
    fail(
        "'{}' is not empty (it holds {}); choose a new directory, or pass --force to overwrite the model "
        "files "
        "in it",
        directory.string(), found);
  }
}

ModelConfig build_config(const InitArguments& arguments, int64_t vocab_size) {
  ModelConfig config = preset_config(arguments.preset, vocab_size);
  config.model_type = arguments.model_type;
  if (arguments.hidden_size > 0) {
    // MLP width follows as Llama sizes it (8/3 of hidden, rounded up to a multiple of 32) unless given.
    config.hidden_size = arguments.hidden_size;
    config.intermediate_size = (arguments.hidden_size * 8 / 3 + 31) / 32 * 32;
  }
  if (arguments.intermediate_size > 0) config.intermediate_size = arguments.intermediate_size;
  if (arguments.layers > 0) config.num_hidden_layers = arguments.layers;
  if (arguments.heads > 0) {
    config.num_attention_heads = arguments.heads;
    if (arguments.kv_heads == 0)
      config.num_key_value_heads = arguments.heads;  // plain multi-head unless told
  }
  if (arguments.kv_heads > 0) config.num_key_value_heads = arguments.kv_heads;
  if (arguments.head_dim > 0) config.head_dim = arguments.head_dim;
  if (arguments.max_positions > 0) config.max_position_embeddings = arguments.max_positions;
  if (arguments.rope_theta > 0) config.rope_theta = arguments.rope_theta;
  if (arguments.rms_norm_eps > 0) config.rms_norm_eps = arguments.rms_norm_eps;
  config.tie_word_embeddings = arguments.tie_embeddings;
  config.torch_dtype = arguments.dtype;
  return config;
}

void run_init(const InitArguments& arguments, const GlobalOptions& global) {
  fs::path directory = fs::absolute(arguments.directory).lexically_normal();
  if (!directory.has_filename()) directory = directory.parent_path();  // "models/tiny/"
  // The tokenizer: --tokenizer FILE (copied in), else one already in the directory, else none.
  const fs::path own_tokenizer = directory / "tokenizer.model";
  fs::path tokenizer_file;
  if (!arguments.tokenizer.empty()) {
    tokenizer_file = fs::absolute(arguments.tokenizer).lexically_normal();
  } else if (fs::exists(own_tokenizer)) {
    tokenizer_file = own_tokenizer;
  }
  check_destination(directory, arguments.force, tokenizer_file == own_tokenizer);
  int64_t vocab_size = arguments.vocab_size > 0 ? arguments.vocab_size : kDefaultVocabSize;
  std::unique_ptr<Tokenizer> tokenizer;
  if (!tokenizer_file.empty()) {
    tokenizer = load_tokenizer(tokenizer_file);
    if (arguments.vocab_size > 0 && arguments.vocab_size < tokenizer->vocab_size()) {
      fail(
          "--vocab-size {} is smaller than the tokenizer's vocabulary ({} pieces in '{}'); leave it out to "
          "take "
          "the tokenizer's size",
          arguments.vocab_size, tokenizer->vocab_size(), tokenizer_file.string());
    }
    if (arguments.vocab_size == 0) vocab_size = tokenizer->vocab_size();
  }

  ModelConfig config = build_config(arguments, vocab_size);
  if (tokenizer) {
    config.bos_token_id = tokenizer->bos_id();
    config.eos_token_id = tokenizer->eos_id();
    config.pad_token_id = tokenizer->pad_id();
  }
  config.validate();

  Transformer model(config);
  initialize_weights(*model, global.seed, arguments.init_std);

  // A new directory appears whole: written beside it under a temporary name, then renamed into place. With
  // --force into an existing one, each file is replaced atomically.
  const bool fresh = !fs::exists(directory) || fs::is_empty(directory);
  fs::path target = directory;
  if (fresh) {
    fs::create_directories(directory.parent_path());
    target = directory.parent_path() / fmt::format(".{}.init-{}", directory.filename().string(), ::getpid());
    fs::remove_all(target);
  }
  try {
    save_model(*model, target);
    if (tokenizer && tokenizer_file != own_tokenizer) {
      write_file_atomically(target / "tokenizer.model", read_file(tokenizer_file));
    }
    if (fresh) rename_atomically(target, directory);  // an empty directory there is replaced
  } catch (...) {
    if (fresh) fs::remove_all(target);
    throw;
  }

  const int64_t parameters = config.parameter_count();
  const double bytes_per_value = config.torch_dtype == "float32" ? 4.0 : 2.0;
  fmt::print("wrote {}\n  {}\n  parameters: {} ({}), seed {}, weights {} in {}\n", arguments.directory,
             describe_architecture(config), grouped_digits(parameters), short_count(parameters), global.seed,
             human_bytes(bytes_per_value * static_cast<double>(parameters)), config.torch_dtype);
  if (tokenizer) {
    auto id = [](int64_t value) { return value < 0 ? std::string("none") : std::to_string(value); };
    fmt::print("  tokenizer: {} pieces (bos {}, eos {}, pad {}) from {}\n", tokenizer->vocab_size(),
               id(tokenizer->bos_id()), id(tokenizer->eos_id()), id(tokenizer->pad_id()),
               tokenizer_file.string());
  } else {
    fmt::print("  no tokenizer yet: train one with `grpo tokenizer train --vocab-size {} --out {}`\n",
               vocab_size, (fs::path(arguments.directory) / "tokenizer.model").string());
  }
  fmt::print("next: grpo info {}\n", arguments.directory);
}

void add_init_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<InitArguments>();
  CLI::App* init = app.add_subcommand(
      "init",
      "Create a new model directory (Hugging Face layout: config.json, model.safetensors, tokenizer.model) "
      "with\n"
      "random weights, from a size preset or explicit sizes. Examples:\n"
      "  grpo init models/tiny --tokenizer my.model            (the tokenizer sets the vocabulary)\n"
      "  grpo init models/small --preset small --model-type qwen2 --vocab-size 4000\n"
      "  grpo init models/custom --hidden-size 256 --layers 6 --heads 8 --kv-heads 2 --vocab-size 8000");
  init->add_option("directory", arguments->directory, "The model directory to create")->required();
  init->add_option(
          "--preset", arguments->preset,
          "Sizes: tiny (hidden 128, 4 layers: 0.74M + 256 per vocabulary entry, ~1M at vocab 1000), "
          "small (hidden 384, 6 layers: 9.4M + 768 per entry), base (hidden 768, 8 layers: 50.4M + 1536 "
          "per entry); the options below override single sizes")
      ->check(CLI::IsMember({"tiny", "small", "base"}))
      ->capture_default_str();
  init->add_option("--model-type", arguments->model_type, "llama, or qwen2 (q/k/v biases)")
      ->check(CLI::IsMember(ModelConfig::supported_model_types()))
      ->capture_default_str();
  init->add_option(
          "--tokenizer", arguments->tokenizer,
          "A SentencePiece .model to copy in as tokenizer.model; its vocabulary and bos/eos/pad ids are "
          "used (default: DIR/tokenizer.model when present)")
      ->check(CLI::ExistingFile);
  init->add_option("--vocab-size", arguments->vocab_size,
                   fmt::format("Vocabulary size (default: the tokenizer's, else {})", kDefaultVocabSize))
      ->check(CLI::PositiveNumber);
  init->add_option("--hidden-size", arguments->hidden_size, "Model width (0 = the preset's)")
      ->check(CLI::NonNegativeNumber);
  init->add_option(
          "--intermediate-size", arguments->intermediate_size,
          "MLP width (0 = the preset's, or 8/3 of --hidden-size rounded up to 32 when that is given)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--layers,--num-hidden-layers", arguments->layers, "Number of blocks (0 = the preset's)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--heads,--num-attention-heads", arguments->heads, "Attention heads (0 = the preset's)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--kv-heads,--num-key-value-heads", arguments->kv_heads,
                   "Key/value heads for grouped-query attention; must divide --heads (0 = the preset's, or "
                   "--heads when that is given)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--head-dim", arguments->head_dim, "Per-head width (0 = hidden size / heads)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--max-positions,--max-position-embeddings", arguments->max_positions,
                   "Longest sequence the model is meant for (0 = 2048)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--rope-theta", arguments->rope_theta, "Rotary embedding base (0 = 10000)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--rms-norm-eps", arguments->rms_norm_eps, "RMSNorm epsilon (0 = 1e-6)")
      ->check(CLI::NonNegativeNumber);
  init->add_option("--init-std", arguments->init_std, "Standard deviation of the random initial weights")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  init->add_flag("--tie-embeddings", arguments->tie_embeddings,
                 "Share the embedding matrix with the output head");
  init->add_option("--dtype", arguments->dtype, "Dtype the weights are stored in")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}))
      ->capture_default_str();
  init->add_flag("--force", arguments->force, "Overwrite the model files of a non-empty directory");
  init->callback([arguments, &context] {
    context.action = [arguments, &context] { run_init(*arguments, context.global); };
  });
}

}  // namespace

static const CommandRegistration registration{"init", 10, add_init_command};

}  // namespace grpo::app
