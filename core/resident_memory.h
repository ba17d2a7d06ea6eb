// This process's resident memory (host RAM) from /proc: now, and the peak since start or since the last
// reset, so that a phase's peak can be measured (the trainer's memory/* metrics, the benchmarks). Linux only;
// elsewhere the values read -1.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace grpo {

// VmRSS (now) and VmHWM (the peak since the process started or since reset_resident_peak()), in KiB; -1
// where unreadable.
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

}  // namespace grpo
