// Whether the data fits the tokenizer and the length budget, measured on a sample of rendered prompts at
// start-up, so that a mismatch is said at once rather than found from slow steps and zero rewards (GSM8K
// through a tokenizer made for box stacking: ~400 tokens of <unk> and single letters per prompt).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/example.h"
#include "datasets/example_source.h"
#include "datasets/prompt_template.h"
#include "tokenizer/tokenizer.h"

namespace grpo {

struct DataFit {
  size_t prompts = 0;
  double mean_tokens = 0;   // prompt tokens, bos included
  int64_t max_tokens = 0;   // the longest prompt
  double unknown_rate = 0;  // share of the prompts' text tokens that are the tokenizer's unknown piece
  double characters_per_token = 0;  // of the prompts' text (UTF-8 characters)
  size_t over_budget = 0;           // prompts whose tokens + the completion limit exceed the model's context
};

// Renders and encodes each problem's prompt (as the trainer and `grpo eval` do) and measures it.
DataFit measure_data_fit(const Tokenizer& tokenizer, const PromptTemplate& prompt_template,
                         const std::vector<Example>& problems, int64_t max_completion_length,
                         int64_t context_length);

// One line per problem found (none when the data fits): more than 1% unknown tokens, text split into near
// single characters (< 1.5 per token), prompts that leave less than max_completion_length of the context.
std::vector<std::string> data_fit_warnings(const DataFit& fit, int64_t max_completion_length,
                                           int64_t context_length);

// measure_data_fit, then data_fit_warnings.
std::vector<std::string> check_data_fit(const Tokenizer& tokenizer, const PromptTemplate& prompt_template,
                                        const std::vector<Example>& problems, int64_t max_completion_length,
                                        int64_t context_length);

// Up to `count` examples from the front of a training stream, which is put back where it was.
std::vector<Example> peek_examples(ExampleSource& source, size_t count);

}  // namespace grpo
