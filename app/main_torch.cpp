// grpo-torch: the whole program, LibTorch loaded: every command, the ones that compute with tensors (train,
// eval, sample, pretrain, init, info) among them. `grpo` hands it every command line it does not run itself.
#include <torch/torch.h>

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "app/cli_main.h"
#include "core/malloc_tuning.h"
#include "core/openmp_wait_policy.h"
#include "model/device.h"

namespace {

// The threads and device matter only where tensors are computed.
void prepare(const grpo::app::CommandContext& context) {
  if (!context.uses_tensors) {
    grpo::configure_threads(context.global.threads);
    return;
  }
  const torch::Device device = grpo::parse_device(context.global.device);  // an absent CUDA fails here
  const int threads = grpo::configure_threads(context.global.threads);
  if (!context.global.quiet) {
    fmt::print(stderr, "grpo: {} thread{} on {}\n", threads, threads == 1 ? "" : "s", context.global.device);
  }
  if (device.is_cpu()) {
    const std::string blas_warning = grpo::blas_thread_warning(torch::kCPU, threads);
    if (!blas_warning.empty()) fmt::print(stderr, "grpo: warning: {}\n", blas_warning);
  }
}

std::string describe(const std::exception& error) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&error)) {
    return fmt::format("(torch): {}", torch_error->what_without_backtrace());
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // First: may start the program again (core/openmp_wait_policy.h); then before any tensor is allocated.
  grpo::use_passive_openmp_wait_policy(argv);
  grpo::keep_freed_memory_in_process();
  grpo::app::CliHooks hooks;
  hooks.prepare = prepare;
  hooks.describe = describe;
  return grpo::app::run_cli(argc, argv, hooks);
}
