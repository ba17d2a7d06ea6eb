// Keeps LibTorch's large freed buffers inside the process. With glibc's defaults, a freed buffer above the
// (dynamic) mmap threshold goes back to the OS and the next step faults it in again page by page: on the
// project's virtual machines that was ~40,000 minor faults a second and 25-50% of the CPU time in the kernel.
#pragma once

namespace grpo {

// Call once at the start of main(), before any tensor exists. Sets glibc's mmap threshold to 32 MiB and its
// trim threshold to 1 GiB (the fast figures in BENCHMARKS.md), unless the user set either through
// GLIBC_TUNABLES or MALLOC_*_ (theirs win). GRPO_MALLOC_TUNING=0 in the environment keeps glibc's defaults
// (for comparison). Without glibc, or under another allocator (LD_PRELOAD), it does nothing useful or
// harmful.
void keep_freed_memory_in_process();

}  // namespace grpo
