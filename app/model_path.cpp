#include "app/model_path.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "trainer/checkpoint.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

bool is_model_directory(const fs::path& directory) {
  std::error_code error;
  return fs::is_regular_file(directory / "config.json", error);
}

constexpr const char* kWhatAModelIs =
    "give a model directory (config.json, model.safetensors, tokenizer.model: made by `grpo init` or a "
    "Hugging "
    "Face download), a checkpoint (RUN_DIR/checkpoints/step-N) or a run directory (its newest checkpoint)";

}  // namespace

std::string resolve_model_directory(const std::string& given, const std::string& option, bool quiet) {
  if (given.empty()) fail("no model given: name one with {} DIR; {}", option, kWhatAModelIs);
  const fs::path path(given);
  std::error_code error;
  if (!fs::exists(path, error)) fail("{} '{}' does not exist; {}", option, given, kWhatAModelIs);
  if (!fs::is_directory(path, error))
    fail("{} '{}' is a file, not a directory; {}", option, given, kWhatAModelIs);
  if (is_model_directory(path)) return given;

  fs::path chosen;
  std::string why;
  if (is_model_directory(path / "model")) {
    chosen = path / "model";
    why = "the checkpoint's model";
  } else if (const auto checkpoint = latest_checkpoint(path);
             checkpoint && is_model_directory(*checkpoint / "model")) {
    chosen = *checkpoint / "model";
    why = "the run's newest checkpoint";
  } else {
    fail("{} '{}' is not a model directory: it has no config.json, no model/ and no checkpoints/step-N/; {}",
         option, given, kWhatAModelIs);
  }
  if (!quiet) fmt::print(stderr, "grpo: model: {} ({})\n", chosen.string(), why);
  return chosen.string();
}

}  // namespace grpo::app
