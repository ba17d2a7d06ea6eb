// The tokenizer and generation files of a Hugging Face model directory, which travel with its weights: `grpo
// init` copies them in, and every saved model (checkpoints, pre-training output) copies them from the model
// it started from, so that a checkpoint is a complete model directory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace grpo {

// tokenizer.json, tokenizer_config.json, generation_config.json, vocab.json, merges.txt,
// special_tokens_map.json, tokenizer.model, added_tokens.json, chat_template.jinja, chat_template.json.
const std::vector<std::string>& tokenizer_file_names();

// Copies each of those files that `from_directory` holds into `to_directory` (replacing each atomically);
// returns the names copied. Nothing is copied when both are the same directory.
std::vector<std::string> copy_tokenizer_files(const std::filesystem::path& from_directory,
                                              const std::filesystem::path& to_directory);

}  // namespace grpo
