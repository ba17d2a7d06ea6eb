// keep_freed_memory_in_process against the pattern that made training steps fault: a few buffers of ~12 MiB
// allocated, written and freed every step. With glibc's defaults the freed top of the heap is trimmed
// (returned to the OS) once it exceeds twice the largest freed mmap'd size, and every step faults its pages
// in again.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include "core/malloc_tuning.h"

namespace grpo {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

volatile char sink;  // keeps the compiler from eliding the buffers

// One "step": three 12 MiB buffers allocated, every page written, then all freed.
void step() {
  constexpr size_t kBytes = 12u << 20;
  char* buffers[3];
  for (char*& buffer : buffers) {
    buffer = static_cast<char*>(std::malloc(kBytes));
    ASSERT_NE(buffer, nullptr);
    for (size_t i = 0; i < kBytes; i += 4096) buffer[i] = static_cast<char>(i);
  }
  for (char* buffer : buffers) {
    sink = buffer[4096];
    std::free(buffer);
  }
}

TEST(MallocTuning, BuffersFreedEveryStepAreReusedWithoutPageFaults) {
  keep_freed_memory_in_process();
  step();
  step();  // warm-up: the heap now holds the buffers
  const long before = minor_faults();
  constexpr int kSteps = 5;
  for (int i = 0; i < kSteps; ++i) step();
  const long faults = minor_faults() - before;
  const long pages_written = kSteps * 3 * (12 << 20) / 4096;  // 46,080; glibc's defaults fault nearly all
  EXPECT_LT(faults, pages_written / 20) << "minor faults over " << kSteps << " steps";
}

}  // namespace
}  // namespace grpo
