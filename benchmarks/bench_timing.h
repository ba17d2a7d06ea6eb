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

// This process's resident set from /proc/self/status, in KiB: VmRSS (now) and VmHWM (the peak since the
// process started or since reset_resident_peak()). -1 where unreadable (not Linux).
struct ResidentSet {
  int64_t current_kib = -1;
  int64_t peak_kib = -1;
};

inline ResidentSet resident_set() {
  ResidentSet set;
  std::ifstream status("/proc/self/status");
  std::string line;
  auto kib_after = [&](const char* field) {
    return std::stoll(line.substr(std::char_traits<char>::length(field)));
  };
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) set.current_kib = kib_after("VmRSS:");
    if (line.rfind("VmHWM:", 0) == 0) set.peak_kib = kib_after("VmHWM:");
  }
  return set;
}

// Resets the peak resident set (VmHWM, which getrusage's ru_maxrss also reads) to the current one, by writing
// "5" to /proc/self/clear_refs (Linux >= 4.0). True when it took effect: the peak then reads no higher than
// the resident set, give or take 1% + 1 MiB (the kernel sets the peak from its per-CPU, approximate, RSS
// counters, while VmRSS is their exact sum).
inline bool reset_resident_peak() {
  {
    std::ofstream clear_refs("/proc/self/clear_refs");
    if (!(clear_refs << "5" << std::flush)) return false;
  }
  const ResidentSet after = resident_set();
  const int64_t slack_kib = after.current_kib / 100 + 1024;
  return after.current_kib >= 0 && after.peak_kib >= 0 && after.peak_kib <= after.current_kib + slack_kib;
}

}  // namespace grpo::bench
