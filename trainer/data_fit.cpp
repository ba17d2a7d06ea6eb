#include "trainer/data_fit.h"

#include <fmt/format.h>

#include <algorithm>

#include "trainer/prompt_encoding.h"

namespace grpo {

namespace {
size_t utf8_characters(const std::string& text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

DataFit measure_data_fit(const Tokenizer& tokenizer, const PromptTemplate& prompt_template,
                         const std::vector<Example>& problems, int64_t max_completion_length,
                         int64_t context_length) {
  DataFit fit;
  const int64_t unknown = tokenizer.unk_id();
  size_t tokens = 0, text_tokens = 0, unknowns = 0, characters = 0;
  for (const Example& problem : problems) {
    const std::string prompt = prompt_template.render(problem);
    const std::vector<int64_t> ids = encode_prompt(tokenizer, prompt);
    const size_t text_ids = ids.size() - (tokenizer.bos_id() >= 0 ? 1 : 0);
    tokens += ids.size();
    text_tokens += text_ids;
    characters += utf8_characters(prompt);
    if (unknown >= 0) unknowns += static_cast<size_t>(std::count(ids.begin(), ids.end(), unknown));
    fit.max_tokens = std::max<int64_t>(fit.max_tokens, static_cast<int64_t>(ids.size()));
    if (static_cast<int64_t>(ids.size()) + max_completion_length > context_length) ++fit.over_budget;
    ++fit.prompts;
  }
  if (fit.prompts == 0) return fit;
  fit.mean_tokens = static_cast<double>(tokens) / static_cast<double>(fit.prompts);
  if (text_tokens > 0) {
    fit.unknown_rate = static_cast<double>(unknowns) / static_cast<double>(text_tokens);
    fit.characters_per_token = static_cast<double>(characters) / static_cast<double>(text_tokens);
  }
  return fit;
}

std::vector<std::string> data_fit_warnings(const DataFit& fit, int64_t max_completion_length,
                                           int64_t context_length) {
  std::vector<std::string> warnings;
  if (fit.prompts == 0) return warnings;
  const std::string sample = fmt::format("mean prompt {:.0f} tokens, over {} prompt{}", fit.mean_tokens,
                                         fit.prompts, fit.prompts == 1 ? "" : "s");
  if (fit.unknown_rate > 0.01) {
    warnings.push_back(
        fmt::format("{:.1f}% of the prompt tokens are unknown to the tokenizer (<unk>; {}): it was not made "
                    "for this data, "
                    "and the model sees little of the questions. Use a model whose tokenizer covers the "
                    "data, or train one "
                    "on it (`grpo tokenizer train`)",
                    100 * fit.unknown_rate, sample));
  }
  if (fit.characters_per_token > 0 && fit.characters_per_token < 1.5) {
    warnings.push_back(
        fmt::format("the tokenizer splits the prompts into near single characters ({:.2f} characters a "
                    "token; {}): it was "
                    "not made for this data, and every step will be slow. Use a model whose tokenizer covers "
                    "the data, or "
                    "train one on it (`grpo tokenizer train`)",
                    fit.characters_per_token, sample));
  }
  if (fit.over_budget > 0) {
    warnings.push_back(fmt::format(
        "{} of {} prompts (the longest {} tokens) leave less than the completion limit ({} tokens) of the "
        "model's {} positions: shorten them or lower the completion limit",
        fit.over_budget, fit.prompts, fit.max_tokens, max_completion_length, context_length));
  }
  return warnings;
}

std::vector<std::string> check_data_fit(const Tokenizer& tokenizer, const PromptTemplate& prompt_template,
                                        const std::vector<Example>& problems, int64_t max_completion_length,
                                        int64_t context_length) {
  return data_fit_warnings(
      measure_data_fit(tokenizer, prompt_template, problems, max_completion_length, context_length),
      max_completion_length, context_length);
}

std::vector<Example> peek_examples(ExampleSource& source, size_t count) {
  const nlohmann::json cursor = source.cursor();
  std::vector<Example> examples = source.next_batch(count);
  source.restore(cursor);
  return examples;
}

}  // namespace grpo
