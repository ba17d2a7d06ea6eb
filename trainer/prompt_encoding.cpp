#include "trainer/prompt_encoding.h"

namespace grpo {

std::vector<int64_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text) {
  std::vector<int64_t> ids;
  const int64_t bos = tokenizer.bos_id();
  if (bos >= 0) ids.push_back(bos);
  std::vector<int64_t> encoded = tokenizer.encode(text);
  ids.insert(ids.end(), encoded.begin(), encoded.end());
  return ids;
}

}  // namespace grpo
