// The GenerationOptions every command asks the engine for (training rollouts, evaluation, `grpo sample`),
// built in one place from the settings each command reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rollout/generation.h"

namespace grpo {

// G = num_samples completions per prompt of at most max_new_tokens each, drawn with `sampling` from `seed`,
// ended by the end-of-sequence ids and `stop_strings`, within the memory bounds `memory`.
GenerationOptions generation_options(int64_t num_samples, int64_t max_new_tokens,
                                     const SamplingParams& sampling,
                                     const std::vector<std::string>& stop_strings,
                                     const RolloutMemoryBounds& memory, uint64_t seed);

}  // namespace grpo
