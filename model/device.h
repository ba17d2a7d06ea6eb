// Device and thread set-up shared by every command: nothing in grpo assumes CPU.
#pragma once

#include <torch/types.h>

#include <string>

namespace grpo {

// "cpu", "cuda", "cuda:1" -> torch::Device; a clear error when CUDA is asked for and absent.
torch::Device parse_device(const std::string& name);

// Sets LibTorch's intra-op threads; 0 means all cores. Returns the count in force.
int configure_threads(int requested);

}  // namespace grpo
