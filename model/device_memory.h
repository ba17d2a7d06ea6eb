// Peak memory of LibTorch's CUDA caching allocator, for the trainer's per-phase memory metrics on a GPU (the
// host's resident set is core/resident_memory.h). Read from the allocator's own statistics where the build
// has them (GRPO_CUDA_ALLOCATOR_STATS, detected by CMake from this LibTorch's headers); elsewhere, and for a
// CPU device, the peak reads -1.
#pragma once

#include <torch/types.h>

namespace grpo {

// True when this build reads the CUDA allocator's statistics.
bool device_memory_statistics_available();

// Starts a new peak on `device` (a no-op where statistics are unavailable or the device is not CUDA).
void reset_device_memory_peak(const torch::Device& device);

// The most bytes held by tensors on `device` since the last reset, MiB; -1 where unavailable.
double device_memory_peak_mib(const torch::Device& device);

}  // namespace grpo
