// Timing helpers shared by the benchmark programs: a wall clock, device synchronisation, the CPU's name, a
// best-of-batches loop for short operations, and the process's resident set (current and peak).
#pragma once

#include <torch/cuda.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/clock.h"
#include "core/resident_memory.h"

namespace grpo::bench {

using ::grpo::now_seconds;  // core/clock.h

// Wall-clock timings need the device to have finished its queued work.
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// "model name" from /proc/cpuinfo ("unknown" elsewhere).
inline std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

// Seconds per call of `body`: after one warm-up call, three batches of calls lasting about `seconds` in all;
// the fastest batch counts (on a shared machine the fastest is the least disturbed).
template <typename Body>
double best_seconds_per_call(const torch::Device& device, double seconds, Body body) {
  body();
  synchronize(device);
  double best = 1e30;
  for (int batch = 0; batch < 3; ++batch) {
    int64_t calls = 0;
    double start = now_seconds(), elapsed = 0.0;
    do {
      body();
      ++calls;
      synchronize(device);
      elapsed = now_seconds() - start;
    } while (elapsed < seconds / 3);
    best = std::min(best, elapsed / static_cast<double>(calls));
  }
  return best;
}

// The resident set and its peak (core/resident_memory.h), under the names the benchmarks use.
using grpo::reset_resident_peak;
using grpo::resident_set;
using grpo::ResidentSet;

}  // namespace grpo::bench
