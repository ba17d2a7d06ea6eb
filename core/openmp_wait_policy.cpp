#include "core/openmp_wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace grpo {

void use_passive_openmp_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only on failure
  unsetenv("OMP_WAIT_POLICY");
}

}  // namespace grpo
