// `grpo init DIR`: a new model directory (config.json, model.safetensors and the tokenizer's files) with a
// random initialisation, from a size preset, a real family's shape (qwen3-0.6b, ...) or explicit sizes.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "core/files.h"
#include "model/model_dir.h"
#include "model/model_summary.h"
#include "model/presets.h"
#include "model/tokenizer_files.h"
#include "tokenizer/tokenizer.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

struct InitArguments {
  std::string directory;
  std::string preset = "tiny";
  std::string model_type;  // empty: the preset's (llama for the generic sizes)
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

// The directory may be absent, empty, or hold only the tokenizer files init will use (put there first);
// anything else is only overwritten with --force.
void check_destination(const fs::path& directory, bool force, bool uses_its_tokenizer) {
  if (!fs::exists(directory)) return;
  if (!fs::is_directory(directory))
    fail("'{}' exists and is not a directory; choose another path", directory.string());
  const auto& tokenizer_files = tokenizer_file_names();
  std::string found;
  for (const auto& item : fs::directory_iterator(directory)) {
    const std::string name = item.path().filename().string();
    const bool tokenizer_file =
        std::find(tokenizer_files.begin(), tokenizer_files.end(), name) != tokenizer_files.end();
    if (tokenizer_file && uses_its_tokenizer) continue;
    found += (found.empty() ? "" : ", ") + name;
  }
  if (!found.empty() && !force) {
    fail(
        "'{}' is not empty (it holds {}); choose a new directory, or pass --force to overwrite the model "
        "files in it",
        directory.string(), found);
  }
}

// Where the tokenizer comes from: --tokenizer (a model or tokenizer directory, or one tokenizer file), else
// the destination's own tokenizer files, else none.
struct TokenizerSource {
  fs::path load_from;    // what load_tokenizer reads; empty = no tokenizer
  fs::path directory;    // whose tokenizer and generation files are copied (empty: only `single_file`)
  fs::path single_file;  // a tokenizer file with a name of its own, copied under its standard name
};

TokenizerSource find_tokenizer_source(const std::string& option, const fs::path& destination) {
  TokenizerSource source;
  if (option.empty()) {
    for (const char* name : {"tokenizer.json", "tokenizer.model", "vocab.json"}) {
      if (fs::exists(destination / name)) source.load_from = source.directory = destination;
    }
    return source;
  }
  const fs::path path = fs::absolute(option).lexically_normal();
  source.load_from = path;
  if (fs::is_directory(path)) {
    source.directory = path;
    return source;
  }
  // A file under its standard name brings the files beside it (tokenizer_config.json holds the special tokens
  // and the chat template); one named otherwise ("my.model") is copied alone.
  const auto& names = tokenizer_file_names();
  if (std::find(names.begin(), names.end(), path.filename().string()) != names.end()) {
    source.directory = path.parent_path();
  } else {
    source.single_file = path;
  }
  return source;
}

// "my.model" -> tokenizer.model, "qwen.json" -> tokenizer.json.
std::string standard_tokenizer_name(const fs::path& file) {
  return file.extension() == ".model" ? "tokenizer.model" : "tokenizer.json";
}

bool is_family_preset(const std::string& preset) {
  for (const auto& known : model_presets()) {
    if (known.name == preset) return known.family;
  }
  return false;
}

ModelConfig build_config(const InitArguments& arguments, int64_t vocab_size) {
  ModelConfig config = preset_config(arguments.preset, vocab_size);
  if (!arguments.model_type.empty()) {
    if (is_family_preset(arguments.preset) && arguments.model_type != config.model_type) {
      fail(
          "--model-type {} contradicts --preset {} (a {} model); leave --model-type out, or use a generic "
          "preset",
          arguments.model_type, arguments.preset, config.model_type);
    }
    config.model_type = arguments.model_type;
  }
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
  if (arguments.tie_embeddings) config.tie_word_embeddings = true;  // family presets are tied already
  config.torch_dtype = arguments.dtype;
  return config;
}

void run_init(const InitArguments& arguments, const GlobalOptions& global) {
  fs::path directory = fs::absolute(arguments.directory).lexically_normal();
  if (!directory.has_filename()) directory = directory.parent_path();  // "models/tiny/"
  const TokenizerSource source = find_tokenizer_source(arguments.tokenizer, directory);
  check_destination(directory, arguments.force, source.directory == directory);
  // The vocabulary: --vocab-size, else a family preset's own (padded beyond its tokenizer as published), else
  // the tokenizer's, else the default.
  const bool family = is_family_preset(arguments.preset);
  int64_t vocab_size = arguments.vocab_size > 0 ? arguments.vocab_size
                       : family                 ? preset_config(arguments.preset, 0).vocab_size
                                                : kDefaultVocabSize;
  std::unique_ptr<Tokenizer> tokenizer;
  if (!source.load_from.empty()) {
    tokenizer = load_tokenizer(source.load_from);
    if (vocab_size < tokenizer->vocab_size() && (arguments.vocab_size > 0 || family)) {
      fail("{} {} is smaller than the tokenizer's vocabulary ({} tokens in '{}'); {}",
           arguments.vocab_size > 0 ? "--vocab-size" : "--preset " + arguments.preset + "'s vocabulary",
           vocab_size, tokenizer->vocab_size(), source.load_from.string(),
           arguments.vocab_size > 0 ? "leave it out to take the tokenizer's size"
                                    : "give --vocab-size, or the tokenizer of the preset's family");
    }
    if (arguments.vocab_size == 0 && !family) vocab_size = tokenizer->vocab_size();
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
  std::vector<std::string> copied;
  try {
    save_model(*model, target);
    if (!source.directory.empty()) copied = copy_tokenizer_files(source.directory, target);
    if (!source.single_file.empty()) {
      copied.push_back(standard_tokenizer_name(source.single_file));
      write_file_atomically(target / copied.back(), read_file(source.single_file));
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
    fmt::print("  tokenizer: {} tokens (bos {}, eos {}, pad {}) from {}{}\n", tokenizer->vocab_size(),
               id(tokenizer->bos_id()), id(tokenizer->eos_id()), id(tokenizer->pad_id()),
               source.load_from.string(),
               copied.empty() ? "" : fmt::format("; copied {}", fmt::join(copied, ", ")));
    if (config.vocab_size > tokenizer->vocab_size()) {
      fmt::print(
          "  embedding rows {}..{} have no token (padding, as the family's checkpoints): never sampled\n",
          tokenizer->vocab_size(), config.vocab_size - 1);
    }
  } else {
    fmt::print("  no tokenizer yet: train one with `grpo tokenizer train --vocab-size {} --out {}`\n",
               vocab_size, (fs::path(arguments.directory) / "tokenizer.model").string());
  }
  fmt::print("next: grpo info {}\n", arguments.directory);
}

void add_init_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<InitArguments>();
  std::string preset_help = "Sizes or a real family's shape; the options below override single sizes:";
  std::vector<std::string> preset_names;
  for (const auto& preset : model_presets()) {
    preset_help += fmt::format("\n  {}: {}", preset.name, preset.description);
    preset_names.push_back(preset.name);
  }
  CLI::App* init = app.add_subcommand(
      "init",
      "Create a new model directory (Hugging Face layout: config.json, model.safetensors, the tokenizer's "
      "files)\n"
      "with random weights, from a size preset, a real family's shape or explicit sizes. Examples:\n"
      "  grpo init models/tiny --tokenizer my.model            (the tokenizer sets the vocabulary)\n"
      "  grpo init models/q3 --preset qwen3-tiny --tokenizer QWEN3_DIR   (Qwen3 architecture and tokenizer)\n"
      "  grpo init models/small --preset small --model-type qwen2 --vocab-size 4000\n"
      "  grpo init models/custom --hidden-size 256 --layers 6 --heads 8 --kv-heads 2 --vocab-size 8000");
  init->add_option("directory", arguments->directory, "The model directory to create")->required();
  init->add_option("--preset", arguments->preset, preset_help)
      ->check(CLI::IsMember(preset_names))
      ->capture_default_str();
  init->add_option("--model-type", arguments->model_type,
                   "llama, qwen2 (q/k/v biases) or qwen3 (q/k norms); default: the preset's (llama for tiny, "
                   "small, base)")
      ->check(CLI::IsMember(ModelConfig::supported_model_types()));
  init->add_option(
          "--tokenizer", arguments->tokenizer,
          "A model or tokenizer directory, or one tokenizer file (tokenizer.json, a SentencePiece .model, "
          "vocab.json): its vocabulary and bos/eos/pad ids are used, and every tokenizer and generation file "
          "(tokenizer.json, tokenizer_config.json, generation_config.json, ...) is copied in (default: DIR's "
          "own)")
      ->check(CLI::ExistingPath);
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
                 "Share the embedding matrix with the output head (the family presets do)");
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
