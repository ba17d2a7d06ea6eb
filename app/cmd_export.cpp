// `grpo export --adapter DIR --merge-lora -o OUT [--model BASE]`: a LoRA adapter (PEFT's adapter_config.json
// + adapter_model.safetensors, as `grpo train --lora-r` writes into each checkpoint's adapter/) folded into
// its base model's weights (PEFT's merge_and_unload), written as a plain model directory with the base
// model's tokenizer and generation files: what `grpo sample`, `grpo eval` and Hugging Face load without PEFT.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "app/command.h"
#include "app/model_loading.h"
#include "app/model_path.h"
#include "core/error.h"
#include "core/files.h"
#include "model/lora.h"
#include "model/model_dir.h"
#include "model/tokenizer_files.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

struct ExportArguments {
  std::string adapter;
  std::string model;  // empty: the adapter's base_model_name_or_path
  std::string output;
  std::string dtype = "float32";
  bool merge_lora = false;
};

void run_export(const ExportArguments& arguments, const GlobalOptions& global) {
  if (!arguments.merge_lora) {
    fail(
        "grpo export writes merged weights only: pass --merge-lora (the adapter itself is already in "
        "PEFT's format in '{}')",
        arguments.adapter);
  }
  const fs::path adapter = arguments.adapter;
  const LoraSettings settings = read_lora_config(adapter);  // checks the adapter before loading the model
  std::string base = arguments.model;
  if (base.empty()) {
    nlohmann::json config = nlohmann::json::parse(read_file(adapter / "adapter_config.json"));
    base = config.value("base_model_name_or_path", std::string());
    if (base.empty())
      fail("'{}' names no base model: pass --model", (adapter / "adapter_config.json").string());
  }
  const std::string base_directory = resolve_model_directory(base, "--model", global.quiet);
  if (fs::exists(arguments.output) && !fs::is_empty(arguments.output)) {
    fail("-o '{}' exists and is not empty; choose a new directory", arguments.output);
  }
  Transformer model = load_model(base_directory, torch::kCPU, torch::kFloat32);
  load_lora_adapter(*model, adapter);
  save_model_as(*model, arguments.output, arguments.dtype);  // merged: W + alpha / r * B A
  copy_tokenizer_files(base_directory, arguments.output);
  if (!global.quiet) {
    fmt::print("merged the LoRA adapter {} (r {}, alpha {}, {}) into {}: {} ({})\n", adapter.string(),
               settings.r, settings.alpha, fmt::join(expand_lora_targets(settings.target_modules), ","),
               base_directory, arguments.output, arguments.dtype);
  }
}

void add_export_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<ExportArguments>();
  CLI::App* cmd = app.add_subcommand("export", "Write a LoRA adapter merged into its base model's weights");
  cmd->add_option("--adapter", arguments->adapter,
                  "PEFT adapter directory (adapter_config.json, adapter_model.safetensors), e.g. a "
                  "checkpoint's adapter/")
      ->required();
  cmd->add_flag("--merge-lora", arguments->merge_lora, "Fold the adapter into the base weights (required)");
  cmd->add_option("--model", arguments->model,
                  "Base model directory (default: the adapter's base_model_name_or_path)");
  cmd->add_option("-o,--output", arguments->output, "The model directory to write")->required();
  cmd->add_option("--dtype", arguments->dtype, "Stored dtype: float32, bfloat16 or float16")
      ->capture_default_str();
  cmd->callback([arguments, &context] {
    context.uses_tensors = true;
    context.action = [arguments, &context] { run_export(*arguments, context.global); };
  });
}

static const CommandRegistration registration{"export", 75, add_export_command};

}  // namespace
}  // namespace grpo::app
