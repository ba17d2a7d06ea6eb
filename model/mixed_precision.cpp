#include "model/mixed_precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "core/error.h"

// LibTorch 2.4 made autocast's functions take the device type; 1.13 to 2.3 name them per device.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GRPO_AUTOCAST_BY_DEVICE_TYPE 1
#else
#define GRPO_AUTOCAST_BY_DEVICE_TYPE 0
#endif

namespace grpo {
namespace {

bool autocast_enabled(torch::DeviceType type) {
#if GRPO_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(type);
#else
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void set_autocast_enabled(torch::DeviceType type, bool enabled) {
#if GRPO_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (type == torch::kCUDA) {
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

torch::Dtype autocast_dtype(torch::DeviceType type) {
#if GRPO_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(type);
#else
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype()
                              : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast_dtype(torch::DeviceType type, torch::Dtype dtype) {
#if GRPO_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(type, dtype);
#else
  if (type == torch::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

}  // namespace

MixedPrecisionScope::MixedPrecisionScope(torch::Device device, torch::Dtype compute_dtype, bool cache_weights)
    : device_type_(device.type()) {
  if (compute_dtype == torch::kFloat32) return;
  if (device_type_ != torch::kCPU && device_type_ != torch::kCUDA) {
    fail("mixed precision ({}) runs on the CPU or CUDA, not on {}", c10::toString(compute_dtype),
         device.str());
  }
  if (compute_dtype != torch::kBFloat16 &&
      !(device_type_ == torch::kCUDA && compute_dtype == torch::kFloat16)) {
    fail("mixed precision in {} is not supported on {}: use bfloat16", c10::toString(compute_dtype),
         device.str());
  }
  active_ = true;
  previous_enabled_ = autocast_enabled(device_type_);
  previous_dtype_ = autocast_dtype(device_type_);
  previous_cache_ = at::autocast::is_autocast_cache_enabled();
  set_autocast_enabled(device_type_, true);
  set_autocast_dtype(device_type_, compute_dtype);
  at::autocast::set_autocast_cache_enabled(cache_weights);
  at::autocast::increment_nesting();
}

MixedPrecisionScope::~MixedPrecisionScope() {
  if (!active_) return;
  // As torch.autocast's __exit__: the cached weight copies go when the outermost scope ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_cache_enabled(previous_cache_);
  set_autocast_dtype(device_type_, previous_dtype_);
  set_autocast_enabled(device_type_, previous_enabled_);
}

torch::Dtype mixed_precision_dtype(torch::Device device) {
  const torch::DeviceType type = device.type();
  if ((type != torch::kCPU && type != torch::kCUDA) || !autocast_enabled(type)) return torch::kFloat32;
  return autocast_dtype(type);
}

torch::Dtype active_compute_dtype(torch::Device device, torch::Dtype parameter_dtype) {
  const torch::Dtype scope_dtype = mixed_precision_dtype(device);
  return scope_dtype == torch::kFloat32 ? parameter_dtype : scope_dtype;
}

}  // namespace grpo
