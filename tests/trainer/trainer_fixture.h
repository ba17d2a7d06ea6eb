// A tiny training setup for the trainer tests: a model directory with a real SentencePiece tokenizer trained
// on generated text and a small random Llama, a JSONL file of questions, and a TrainerConfig over them whose
// reward
// ("preferred_first_token", registered here) is 1 when the completion's first token id is a multiple of 10.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"
#include "trainer/trainer_config.h"

namespace grpo::testing {

std::filesystem::path make_model_dir(const TempDir& dir);
std::filesystem::path make_data(const TempDir& dir);
TrainerConfig base_config(const std::filesystem::path& model, const std::filesystem::path& data,
                          const std::filesystem::path& run);

// A reward process (`dir`/token_reward.py, run by python3) that scores a completion by its first two token
// ids, (id0 + id1) % 7 / 6: varied rewards from a random model, so that command tests' updates move the
// weights.
std::filesystem::path write_token_reward(const std::filesystem::path& dir);
// The --reward spec that runs it: cmd:python3 '<dir>/token_reward.py'.
std::string token_reward_spec(const std::filesystem::path& dir);

// The objects of a JSON-lines file (metrics.jsonl, a generate/sample output), blank lines skipped; empty when
// the file is absent.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

}  // namespace grpo::testing
