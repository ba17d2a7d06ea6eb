#include "trainer/prompt_encoding.h"

namespace grpo {

std::vector<int64_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text) {
  return tokenizer.encode_with_special_tokens(text);
}

std::string completion_after_prefill(const Tokenizer& tokenizer, const std::string& prefill,
                                     const std::vector<int64_t>& completion_ids,
                                     const std::string& completion_text) {
  return tokenizer.join_continuation(prefill, completion_ids, completion_text);
}

}  // namespace grpo
