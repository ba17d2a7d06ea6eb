#include "trainer/prompt_encoding.h"

namespace grpo {

std::vector<int64_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text) {
  std::vector<int64_t> ids = tokenizer.encode_with_special_tokens(text);
  // A chat template that writes {{ bos_token }} itself: one bos, as the model gets from transformers'
  // apply_chat_template (TRL encodes the rendered prompt without adding special tokens).
  const int64_t bos = tokenizer.bos_id();
  if (bos >= 0 && ids.size() >= 2 && ids[0] == bos && ids[1] == bos) ids.erase(ids.begin());
  return ids;
}

std::string completion_after_prefill(const Tokenizer& tokenizer, const std::string& prefill,
                                     const std::vector<int64_t>& completion_ids,
                                     const std::string& completion_text) {
  return tokenizer.join_continuation(prefill, completion_ids, completion_text);
}

}  // namespace grpo
