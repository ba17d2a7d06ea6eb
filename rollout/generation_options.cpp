#include "rollout/generation_options.h"

namespace grpo {

GenerationOptions generation_options(int64_t num_samples, int64_t max_new_tokens,
                                     const SamplingParams& sampling,
                                     const std::vector<std::string>& stop_strings,
                                     const RolloutMemoryBounds& memory, uint64_t seed) {
  GenerationOptions options;
  options.num_samples = num_samples;
  options.max_new_tokens = max_new_tokens;
  options.sampling = sampling;
  options.stop_strings = stop_strings;
  options.memory = memory;
  options.seed = seed;
  return options;
}

}  // namespace grpo
