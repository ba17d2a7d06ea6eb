// Human-readable summaries of a model for the command line: parameter counts, memory, the architecture in a
// line.
#pragma once

#include <cstdint>
#include <string>

#include "model/config.h"

namespace grpo {

// 994432 -> "994,432"
std::string grouped_digits(int64_t value);
// 994432 -> "0.99M"; 51900000 -> "51.9M"; 1200000000 -> "1.20B"
std::string short_count(int64_t value);
// bytes -> "3.8 MiB", "1.20 GiB"
std::string human_bytes(double bytes);

// "llama, 4 layers, hidden 128, intermediate 352, 4 heads (2 key/value, head dim 32), vocabulary 1000, untied
// head"
std::string describe_architecture(const ModelConfig& config);

// "8 experts of width 88, top 2 (softmax), a gated shared expert of width 176, 4 of 4 layers sparse"
std::string describe_experts(const ModelConfig& config);

// Bytes per parameter for training in float32 with AdamW: weights, gradients, two moments.
constexpr double kAdamWTrainingBytesPerParameter = 16.0;

}  // namespace grpo
