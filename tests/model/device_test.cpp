// Device and thread set-up: device names, thread counts, and the warning about a BLAS that keeps its own
// threads.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "core/error.h"
#include "model/device.h"
#include "model/device_memory.h"

namespace grpo {
namespace {

TEST(Device, ParsesCpuAndRefusesNonsenseNamingIt) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
  try {
    parse_device("tpu");
    FAIL() << "no error for --device tpu";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'tpu'"), std::string::npos) << e.what();
  }
  if (!torch::cuda::is_available()) {
    try {
      parse_device("cuda");
      FAIL() << "no error for --device cuda without CUDA";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--device cpu"), std::string::npos) << e.what();
    }
  }
}

TEST(Device, ConfigureThreadsSetsLibTorchsCount) {
  const int saved = torch::get_num_threads();
  EXPECT_EQ(configure_threads(3), 3);
  EXPECT_EQ(torch::get_num_threads(), 3);
  EXPECT_GE(configure_threads(0), 1);  // 0 = all cores
  torch::set_num_threads(saved);
}

// The loaded BLAS is named from the process's own mappings; the warning appears exactly for a multi-threaded
// CPU run on Debian's pthread build of OpenBLAS.
TEST(Device, BlasThreadWarningOnlyForThePthreadBuildWithThreads) {
  const std::string blas = loaded_blas_library();
  ASSERT_FALSE(blas.empty());
  if (blas == "unknown") GTEST_SKIP() << "no shared BLAS library is mapped into this process (static BLAS?)";
  EXPECT_NE(blas.find("blas"), std::string::npos) << blas;
  EXPECT_EQ(blas_thread_warning(torch::kCPU, 1), "");
  EXPECT_EQ(blas_thread_warning(torch::Device(torch::kCUDA, 0), 2), "");
  const bool pthread_build = blas.find("openblas-pthread") != std::string::npos;
  const std::string warning = blas_thread_warning(torch::kCPU, 2);
  EXPECT_EQ(!warning.empty(), pthread_build) << blas;
  if (pthread_build) {
    EXPECT_NE(warning.find("scripts/setup.sh"), std::string::npos) << warning;
  }
}

TEST(Device, NoDeviceMemoryPeakOnTheCpu) {
  const torch::Device cpu(torch::kCPU);
  reset_device_memory_peak(cpu);
  EXPECT_EQ(device_memory_peak_mib(cpu),
            -1.0);  // the host's peak is the resident set (core/resident_memory.h)
}

}  // namespace
}  // namespace grpo
