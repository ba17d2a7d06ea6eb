#include "core/malloc_tuning.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace grpo {

namespace {

bool user_set(const char* tunable, const char* environment_variable) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return std::getenv(environment_variable) != nullptr ||
         (tunables != nullptr && std::strstr(tunables, tunable) != nullptr);
}

}  // namespace

void keep_freed_memory_in_process() {
  const char* opt_out = std::getenv("GRPO_MALLOC_TUNING");
  if (opt_out != nullptr && std::strcmp(opt_out, "0") == 0) return;
#if defined(__GLIBC__)
  // Buffers up to 32 MiB (a [batch, seq, vocab] logits tensor of the demo is a few MiB) come from the heap
  // and are reused after free instead of being unmapped; freed memory at the top of the heap is kept up to 1
  // GiB. Setting either also turns off glibc's dynamic threshold, which otherwise only grows after a first
  // unmap.
  if (!user_set("glibc.malloc.mmap_threshold", "MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (!user_set("glibc.malloc.trim_threshold", "MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace grpo
