#include "model/device.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <fstream>
#include <thread>

#include "core/error.h"

namespace grpo {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      fail(
          "--device {}: CUDA is not available in this build of LibTorch or on this machine; use --device "
          "cpu, "
          "or build against a CUDA LibTorch (CMAKE_PREFIX_PATH)",
          name);
    }
    try {
      return torch::Device(name);
    } catch (const std::exception&) {
      fail("--device '{}' is not a device name: use cpu, cuda or cuda:N", name);
    }
  }
  fail("--device '{}' is not a device name: use cpu, cuda or cuda:N", name);
}

void check_dtype_supported_on(torch::Dtype dtype, const torch::Device& device) {
  if (dtype == torch::kFloat16 && device.is_cpu()) {
    fail(
        "--dtype float16 needs CUDA: LibTorch's CPU kernels do not compute in float16; on the CPU use "
        "--dtype bfloat16 (half the memory of float32 as well) or float32");
  }
}

int configure_threads(int requested) {
  int threads = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  torch::set_num_threads(threads);
  return threads;
}

std::string loaded_blas_library() {
  std::ifstream maps("/proc/self/maps");
  std::string line, found;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string name = path.substr(path.find_last_of('/') + 1);
    bool blas =
        name.rfind("libblas", 0) == 0 || name.rfind("libopenblas", 0) == 0 || name.rfind("libmkl", 0) == 0;
    if (blas && found.find(path) == std::string::npos) found += (found.empty() ? "" : ", ") + path;
  }
  return found.empty() ? "unknown" : found;
}

std::string blas_thread_warning(const torch::Device& device, int threads) {
  if (!device.is_cpu() || threads <= 1) return "";
  const std::string blas = loaded_blas_library();
  if (blas.find("openblas-pthread") == std::string::npos) return "";
  return "the BLAS in use (" + blas +
         ") keeps its own threads beside LibTorch's OpenMP threads, which slows multi-threaded runs several "
         "times; run bash scripts/setup.sh (it selects Debian's OpenMP build of OpenBLAS) or use --threads 1";
}

}  // namespace grpo
