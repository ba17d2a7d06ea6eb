#include "model/rope.h"

#include <torch/torch.h>

#include <cmath>

namespace grpo {

torch::Tensor rotary_inverse_frequencies(const ModelConfig& config) {
  const int64_t head_dim = config.resolved_head_dim();
  auto exponents =
      torch::arange(0, head_dim, 2, torch::kLong).to(torch::kFloat32) / static_cast<double>(head_dim);
  auto inv_freq = torch::pow(config.rope_theta, exponents).reciprocal();  // [hd/2] float32
  const RopeScaling& scaling = config.rope_scaling;
  if (scaling.type == "linear") return inv_freq / scaling.factor;
  if (scaling.type != "llama3") return inv_freq;

  const double original = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_freq_wavelength = original / scaling.low_freq_factor;    // longer: scaled down by factor
  const double high_freq_wavelength = original / scaling.high_freq_factor;  // shorter: kept
  auto wavelength = 2 * M_PI / inv_freq;
  auto scaled = torch::where(wavelength > low_freq_wavelength, inv_freq / scaling.factor, inv_freq);
  auto smooth = (original / wavelength - scaling.low_freq_factor) /
                (scaling.high_freq_factor - scaling.low_freq_factor);
  auto blended = (1 - smooth) * scaled / scaling.factor + smooth * scaled;
  auto medium = (wavelength >= high_freq_wavelength).logical_and(wavelength <= low_freq_wavelength);
  return torch::where(medium, blended, scaled);
}

}  // namespace grpo
