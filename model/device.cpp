#include "model/device.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <thread>

#include "core/error.h"

namespace grpo {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      fail("--device {}: CUDA is not available in this build of LibTorch or on this machine; use --device cpu, "
           "or build against a CUDA LibTorch (CMAKE_PREFIX_PATH)", name);
    }
    try {
      return torch::Device(name);
    } catch (const std::exception&) {
      fail("--device '{}' is not a device name: use cpu, cuda or cuda:N", name);
    }
  }
  fail("--device '{}' is not a device name: use cpu, cuda or cuda:N", name);
}

int configure_threads(int requested) {
  int threads = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  torch::set_num_threads(threads);
  return threads;
}

}  // namespace grpo
