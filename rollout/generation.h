// What the rollout engine is asked for (GenerationOptions) and what it returns (Completion,
// GenerationResult).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rollout/memory_bounds.h"
#include "rollout/sampling.h"

namespace grpo {

enum class FinishReason { kEos, kStop, kLength };
const char* finish_reason_name(FinishReason reason);  // "eos" | "stop" | "length"

struct GenerationOptions {
  int64_t num_samples = 1;       // G completions per prompt
  int64_t max_new_tokens = 256;  // the completion length limit (also bounded by the model's context)
  SamplingParams sampling;
  std::vector<std::string> stop_strings;  // e.g. "</answer>": the completion ends once its text contains one
  bool stop_at_eos = true;     // the end-of-sequence token ends a completion (it is kept in token_ids)
  int64_t eos_token_id = -1;   // -1: the tokenizer's eos and the config's eos ids (extra_eos_token_ids too)
  RolloutMemoryBounds memory;  // max_decode_rows, max_prefill_tokens (0 = no bound)
  uint64_t seed = 0;           // completion (p, g) draws from its own generator seeded by (seed, p, g)
  // p above counts from here: a data-parallel rank given questions first..last of a step's batch passes
  // `first`, so every completion draws the same tokens whichever rank samples it.
  int64_t first_prompt_index = 0;
  // Switches for benchmarks and tests; the defaults are the fast path.
  bool share_prompt_cache = true;  // prefill each prompt once and share its KV cache among its G samples
  bool use_kv_cache = true;        // false: recompute the whole sequence at every step
};

struct Completion {
  int64_t prompt_index = 0;        // index into the prompts given to generate()
  int64_t sample_index = 0;        // 0 .. G-1
  std::vector<int64_t> token_ids;  // generated tokens (the eos token included when it ended the completion)
  std::string text;                // decoded text (eos excluded; cut right after a stop string)
  std::vector<float> logprobs;     // per token: log_softmax(logits / T)[token]; see sampling_logprobs()
  FinishReason finish_reason = FinishReason::kLength;
  double seconds = 0.0;  // from the start of generate() to this completion's last token
};

struct GenerationTimings {
  double prefill = 0.0;   // prompt forward passes
  double decode = 0.0;    // one-token forward passes
  double sampling = 0.0;  // filtering, drawing, log-probs, stop checks
  double total = 0.0;     // wall time of generate(); overhead = total - the three above
  double overhead() const { return total - prefill - decode - sampling; }
};

struct GenerationResult {
  std::vector<Completion> completions;  // ordered by (prompt_index, sample_index)
  GenerationTimings timings;
  int64_t prompt_tokens_processed = 0;  // prompt tokens run through the model (shared prefill counts once)
  int64_t generated_tokens = 0;
};

}  // namespace grpo
