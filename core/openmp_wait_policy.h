// OpenMP's wait policy, chosen before the OpenMP runtime reads it. GNU libgomp (LibTorch's CPU backend on
// Debian) reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it is loaded, before main() runs; by default
// its idle threads spin for a while before sleeping. When another process keeps a core busy, a spinning
// thread takes the time slices the working one needs (2 threads measured several times slower than 1,
// BENCHMARKS.md).
#pragma once

namespace grpo {

// Call first in main(). When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, sets OMP_WAIT_POLICY=PASSIVE
// (idle threads sleep at once) and executes the program again (same process id, arguments and environment
// otherwise), so that the runtime reads it; the user's own setting always wins. Returns normally when nothing
// needs doing or when re-executing fails (then the runtime's default stays).
void use_passive_openmp_wait_policy(char** argv);

}  // namespace grpo
