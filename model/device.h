// Device and thread set-up shared by every command: nothing in grpo assumes CPU.
#pragma once

#include <torch/types.h>

#include <string>

namespace grpo {

// "cpu", "cuda", "cuda:1" -> torch::Device; a clear error when CUDA is asked for and absent.
torch::Device parse_device(const std::string& name);

// Refuses a dtype the device cannot compute in: float16 on the CPU (LibTorch's CPU matrix products do not
// implement it), with the advice to use bfloat16 there.
void check_dtype_supported_on(torch::Dtype dtype, const torch::Device& device);

// Sets LibTorch's intra-op threads; 0 means all cores. Returns the count in force.
int configure_threads(int requested);

// The BLAS libraries mapped into this process (from /proc/self/maps), comma-separated, e.g.
// /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so; "unknown" where none is found.
std::string loaded_blas_library();

// A warning for a CPU run whose BLAS keeps threads of its own beside LibTorch's OpenMP threads (Debian's
// pthread build of OpenBLAS): with more than one thread they compete for the cores and generation ran 4.5x
// slower (BENCHMARKS.md). Empty when there is nothing to say.
std::string blas_thread_warning(const torch::Device& device, int threads);

}  // namespace grpo
