// Rotary position embeddings: the per-pair inverse frequencies of a config, with its rope_scaling applied.
#pragma once

#include <torch/types.h>

#include "model/config.h"

namespace grpo {

// inv_freq [head_dim / 2] float32 on the CPU: theta^(-2i/head_dim) as Hugging Face computes it (in float32),
// then
//   linear: divided by factor;
//   llama3: wavelength 2*pi / inv_freq above original_max_position_embeddings / low_freq_factor -> divided by
//           factor; below original / high_freq_factor -> kept; between: (1 - s) * inv_freq / factor + s *
//           inv_freq with s = (original / wavelength - low_freq_factor) / (high_freq_factor -
//           low_freq_factor).
torch::Tensor rotary_inverse_frequencies(const ModelConfig& config);

}  // namespace grpo
