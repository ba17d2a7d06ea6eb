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

std::string completion_after_prefill(const Tokenizer& tokenizer, const std::string& prefill,
                                     const std::vector<int64_t>& completion_ids, const std::string& completion_text) {
  if (prefill.empty() || completion_ids.empty() || completion_text.empty()) return prefill + completion_text;
  static const std::string word_start = "\xE2\x96\x81";  // SentencePiece's "▁"
  const std::string first_piece = tokenizer.id_to_piece(completion_ids.front());
  const bool starts_word = first_piece.compare(0, word_start.size(), word_start) == 0;
  const bool space_present = completion_text.front() == ' ' || prefill.back() == ' ';
  return starts_word && !space_present ? prefill + " " + completion_text : prefill + completion_text;
}

}  // namespace grpo
