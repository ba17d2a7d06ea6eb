// The rollout engine's memory bounds, each bounding one thing (0 = no bound). Neither changes the completions
// drawn: each row has its own generator, so only how the work is batched changes.
#pragma once

#include <cstdint>

namespace grpo {

struct RolloutMemoryBounds {
  // Completions decoding together (a wave): the KV cache holds this many rows x (prompt + completion)
  // positions, and each decode step's logits are [rows, V].
  int64_t max_decode_rows = 0;
  // Tokens (prompts x padded prompt length) in one prefill forward pass; at least one prompt per pass. The
  // no-cache benchmark baseline bounds each recomputation pass (rows x columns) by it too.
  int64_t max_prefill_tokens = 0;
};

}  // namespace grpo
