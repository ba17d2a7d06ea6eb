// A tiny training setup for the trainer tests: a model directory with a real SentencePiece tokenizer trained
// on generated text and a small random Llama, a JSONL file of questions, and a TrainerConfig over them whose
// reward
// ("preferred_first_token", registered here) is 1 when the completion's first token id is a multiple of 10.
#pragma once

#include <filesystem>

#include "test_support.h"
#include "trainer/trainer_config.h"

namespace grpo::testing {

std::filesystem::path make_model_dir(const TempDir& dir);
std::filesystem::path make_data(const TempDir& dir);
TrainerConfig base_config(const std::filesystem::path& model, const std::filesystem::path& data,
                          const std::filesystem::path& run);

}  // namespace grpo::testing
