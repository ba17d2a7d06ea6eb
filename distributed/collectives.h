// The collective operations a data-parallel GRPO step needs, over a c10d process group (Gloo on CPUs, NCCL
// on GPUs where LibTorch has it), rendezvous through c10d's TCPStore at MASTER_ADDR:MASTER_PORT.
// A default-constructed Collectives is one process: every operation returns its input, so the trainer calls
// them unconditionally. Every failure (a peer that died, or did not answer within the timeout) is a
// grpo::Error naming this rank and what it was doing (set_activity, e.g. "step 3").
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "distributed/rank_environment.h"

namespace grpo::distributed {

struct DistributedOptions {
  std::string backend = "gloo";   // gloo | nccl (CUDA builds of LibTorch with NCCL only)
  double timeout_seconds = 1800;  // rendezvous, and any collective waiting for a peer (torch's default)
};

// Communication of gradients and weights so far: what BENCHMARKS.md reports per step.
struct CommunicationStats {
  double tensor_seconds = 0;  // wall time in all_reduce_sum(tensors) and broadcast_from_main(tensors)
  int64_t tensor_bytes = 0;   // bytes of tensor payload each rank sent into those operations
};

class Collectives {
 public:
  Collectives();  // one process (rank 0 of 1)
  ~Collectives();
  Collectives(const Collectives&) = delete;
  Collectives& operator=(const Collectives&) = delete;

  // Joins the process group described by `env` (a no-op group when env.world_size is 1). `device` is where
  // the tensors live (NCCL needs CUDA; Gloo stages CUDA tensors through host memory).
  static std::unique_ptr<Collectives> connect(const RankEnvironment& env, const DistributedOptions& options,
                                              const torch::Device& device);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }
  bool is_distributed() const { return world_size_ > 1; }
  // What this rank is doing, named in errors ("step 3").
  void set_activity(std::string activity) { activity_ = std::move(activity); }

  // Element-wise sums over the ranks, in place (double precision on every backend).
  void all_reduce_sum(std::vector<double>& values);
  // true when `value` is true on any rank.
  bool any(bool value);
  // Sums tensors of any shapes over the ranks, in place, through flat buckets of at most `bucket_bytes`.
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes = 64 << 20);
  // Rank 0's values into every rank's tensors (same shapes everywhere), in place.
  void broadcast_from_main(const std::vector<torch::Tensor>& tensors);
  // Every rank's bytes, in rank order.
  std::vector<std::string> all_gather(const std::string& bytes);
  // Rank 0's string on every rank.
  std::string broadcast_from_main(const std::string& bytes);

  const CommunicationStats& stats() const { return stats_; }

 private:
  struct Group;
  template <typename Operation>
  void guarded(const char* what, Operation&& operation);

  int rank_ = 0;
  int world_size_ = 1;
  double timeout_seconds_ = 0;
  std::string activity_ = "start-up";
  std::unique_ptr<Group> group_;
  CommunicationStats stats_;
};

}  // namespace grpo::distributed
