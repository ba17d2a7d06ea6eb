#include "model/device_memory.h"

#ifdef GRPO_CUDA_ALLOCATOR_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace grpo {

#ifdef GRPO_CUDA_ALLOCATOR_STATS
namespace {

c10::DeviceIndex cuda_index(const torch::Device& device) {
  return device.has_index() ? device.index() : c10::cuda::current_device();
}

}  // namespace

bool device_memory_statistics_available() {
  return true;
}

void reset_device_memory_peak(const torch::Device& device) {
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(cuda_index(device));
}

double device_memory_peak_mib(const torch::Device& device) {
  if (!device.is_cuda()) return -1.0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(cuda_index(device));
  // Index 0 is StatType::AGGREGATE (the small and the large pool together) in every LibTorch since 1.x.
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
}

#else

bool device_memory_statistics_available() {
  return false;
}

void reset_device_memory_peak(const torch::Device&) {}

double device_memory_peak_mib(const torch::Device&) {
  return -1.0;
}

#endif

}  // namespace grpo
