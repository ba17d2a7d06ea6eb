// Inputs shared by the tokenizer tests: the real SentencePiece model and texts from ../shared/data, or text
// generated here when that folder is absent.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace grpo::testing {

// ../shared/data/sentencepiece/test_model.model, or empty when absent.
std::filesystem::path real_sentencepiece_model();

// botchan.txt from ../shared/data when present; otherwise a generated English-like text written into
// `directory`.
std::filesystem::path training_text(const std::filesystem::path& directory);

// The `question` field of the first `limit` rows of ../shared/data/gsm8k/test.jsonl; empty when absent.
std::vector<std::string> gsm8k_test_questions(size_t limit);

}  // namespace grpo::testing
