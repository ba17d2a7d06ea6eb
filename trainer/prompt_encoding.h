// Prompt text -> the token ids the model is given, and a completion joined back to a forced prefix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace grpo {

// tokenizer.encode_with_special_tokens(text): [bos] + ids for SentencePiece (no bos when it has none); what
// the post-processor / tokenizer_config.json adds for a tokenizer.json. A text that starts with the bos token
// itself (a chat template writing {{ bos_token }}) gets no second one.
std::vector<int64_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text);

// The text a model "wrote" when `prefill` was forced before its completion: prefill + completion, with the
// word-boundary space a SentencePiece completion loses restored (Tokenizer::join_continuation).
std::string completion_after_prefill(const Tokenizer& tokenizer, const std::string& prefill,
                                     const std::vector<int64_t>& completion_ids,
                                     const std::string& completion_text);

}  // namespace grpo
