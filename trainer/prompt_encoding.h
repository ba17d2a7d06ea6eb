// Prompt text -> the token ids the model is given: bos (when the tokenizer has one) followed by the encoded
// text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace grpo {

// [bos] + tokenizer.encode(text); no bos when tokenizer.bos_id() < 0.
std::vector<int64_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text);

// The text a model "wrote" when `prefill` was forced before its completion: prefill + completion, restoring the
// word-boundary space SentencePiece drops when a completion whose first piece starts a word ("▁red") is decoded
// on its own ("<think> the stack is" + "red" -> "<think> the stack is red").
std::string completion_after_prefill(const Tokenizer& tokenizer, const std::string& prefill,
                                     const std::vector<int64_t>& completion_ids, const std::string& completion_text);

}  // namespace grpo
