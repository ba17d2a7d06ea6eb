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

}  // namespace grpo
