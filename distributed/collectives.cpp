#include "distributed/collectives.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "core/clock.h"
#include "core/error.h"

namespace grpo::distributed {

namespace {

// c10d's process groups derive from ProcessGroup in LibTorch 1.x and from Backend in 2.x.
#if TORCH_VERSION_MAJOR >= 2
using BackendGroup = c10d::Backend;
#else
using BackendGroup = c10d::ProcessGroup;
#endif

// A c10d error as one line, without LibTorch's backtrace.
std::string one_line(const std::exception& error) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
  std::string text = torch_error ? torch_error->what_without_backtrace() : error.what();
  const auto cut = text.find("Exception raised from");
  if (cut != std::string::npos) text.erase(cut);
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

std::chrono::milliseconds milliseconds_of(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

// The network device Gloo's TCP transport binds: GLOO_SOCKET_IFNAME as torch does; the loopback address
// when the master is this machine's loopback; else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const RankEnvironment& env) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface != nullptr && *interface != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (env.master_addr == "localhost" || env.master_addr.rfind("127.", 0) == 0) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10::intrusive_ptr<c10d::Store> rendezvous(const RankEnvironment& env, double timeout_seconds) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  options.isServer = env.rank == 0;
  options.numWorkers = static_cast<size_t>(env.world_size);
  options.waitWorkers = true;
  options.timeout = milliseconds_of(timeout_seconds);
  try {
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& error) {
    const std::string why = one_line(error);
    if (env.rank == 0 && (contains(why, "in use") || contains(why, "bind"))) {
      fail(
          "rank 0 cannot listen on MASTER_PORT {} ({}:{}): the port is in use (another run?); choose a free "
          "port with --master-port or MASTER_PORT ({})",
          env.master_port, env.master_addr, env.master_port, why);
    }
    if (env.rank == 0) {
      fail(
          "rank 0 of {}: the rendezvous at {}:{} failed: not every rank joined within --dist-timeout {:g} s "
          "({})",
          env.world_size, env.master_addr, env.master_port, timeout_seconds, why);
    }
    fail(
        "rank {} of {} cannot reach the master at MASTER_ADDR:MASTER_PORT = {}:{} within --dist-timeout {:g} "
        "s: "
        "check the address and port and that rank 0 is running ({})",
        env.rank, env.world_size, env.master_addr, env.master_port, timeout_seconds, why);
  }
}

}  // namespace

struct Collectives::Group {
  c10::intrusive_ptr<BackendGroup> backend;
  torch::Device staging{torch::kCPU};  // where buffers go: host memory for Gloo, the GPU for NCCL
  // One bucket buffer per dtype, kept between calls: a fresh 64 MiB buffer every step would be mapped and
  // faulted in anew (above glibc's mmap threshold), which costs more than the all-reduce over loopback.
  std::map<c10::ScalarType, torch::Tensor> buckets;

  // A [elements] buffer of `dtype` on the staging device (grown when too small).
  torch::Tensor bucket(c10::ScalarType dtype, int64_t elements) {
    torch::Tensor& kept = buckets[dtype];
    if (!kept.defined() || kept.numel() < elements) {
      kept = torch::empty({elements}, torch::TensorOptions().dtype(dtype).device(staging));
    }
    return kept.narrow(0, 0, elements);
  }
};

Collectives::Collectives() = default;
Collectives::~Collectives() = default;

std::unique_ptr<Collectives> Collectives::connect(const RankEnvironment& env,
                                                  const DistributedOptions& options,
                                                  const torch::Device& device) {
  auto collectives = std::make_unique<Collectives>();
  if (options.backend != "gloo" && options.backend != "nccl") {
    fail("--dist-backend '{}' is not known: use gloo (CPUs) or nccl (CUDA GPUs)", options.backend);
  }
  if (!(options.timeout_seconds > 0))
    fail("--dist-timeout must be > 0 seconds, got {}", options.timeout_seconds);
  if (!env.is_distributed()) return collectives;
  collectives->rank_ = env.rank;
  collectives->world_size_ = env.world_size;
  collectives->timeout_seconds_ = options.timeout_seconds;
  auto group = std::make_unique<Group>();
  if (options.backend == "nccl") {
#ifdef USE_C10D_NCCL
    if (!device.is_cuda()) fail("--dist-backend nccl needs --device cuda; use --dist-backend gloo on CPUs");
    auto store = rendezvous(env, options.timeout_seconds);
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = milliseconds_of(options.timeout_seconds);
    group->backend =
        c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, nccl_options);
    group->staging = device;
#else
    fail(
        "--dist-backend nccl: this grpo was built against a LibTorch {}.{} without NCCL (a CPU build); use "
        "--dist-backend gloo",
        TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR);
#endif
  } else {
    auto store = rendezvous(env, options.timeout_seconds);
    try {
      auto gloo_options = c10d::ProcessGroupGloo::Options::create(milliseconds_of(options.timeout_seconds));
      gloo_options->devices.push_back(gloo_device(env));
      gloo_options->threads = 1;  // one collective at a time: the compute threads keep the cores
      group->backend =
          c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, gloo_options);
    } catch (const std::exception& error) {
      fail(
          "rank {} of {}: connecting the Gloo process group through {}:{} failed within --dist-timeout {:g} "
          "s ({})",
          env.rank, env.world_size, env.master_addr, env.master_port, options.timeout_seconds,
          one_line(error));
    }
  }
  collectives->group_ = std::move(group);
  return collectives;
}

template <typename Operation>
void Collectives::guarded(const char* what, Operation&& operation) {
  try {
    operation();
  } catch (const std::exception& error) {
    fail(
        "rank {} of {}, {}: the {} across ranks failed: another rank stopped, crashed or did not answer "
        "within "
        "--dist-timeout {:g} s; no checkpoint written for this step (resume from the last one with --resume) "
        "({})",
        rank_, world_size_, activity_, what, timeout_seconds_, one_line(error));
  }
}

void Collectives::all_reduce_sum(std::vector<double>& values) {
  if (!is_distributed() || values.empty()) return;
  auto buffer = torch::tensor(values, torch::kFloat64).to(group_->staging);  // [n]
  guarded("sum of statistics", [&] {
    std::vector<at::Tensor> tensors{buffer};
    group_->backend->allreduce(tensors)->wait();
  });
  buffer = buffer.cpu();
  std::memcpy(values.data(), buffer.data_ptr<double>(), values.size() * sizeof(double));
}

bool Collectives::any(bool value) {
  std::vector<double> flag{value ? 1.0 : 0.0};
  all_reduce_sum(flag);
  return flag[0] > 0;
}

void Collectives::all_reduce_sum(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  if (!is_distributed() || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  const double start = now_seconds();
  size_t first = 0;
  while (first < tensors.size()) {
    // A bucket: consecutive tensors of one dtype up to bucket_bytes (at least one tensor).
    size_t last = first + 1;
    int64_t bytes = tensors[first].numel() * static_cast<int64_t>(tensors[first].element_size());
    while (last < tensors.size() && tensors[last].scalar_type() == tensors[first].scalar_type() &&
           bytes + tensors[last].numel() * static_cast<int64_t>(tensors[last].element_size()) <=
               bucket_bytes) {
      bytes += tensors[last].numel() * static_cast<int64_t>(tensors[last].element_size());
      ++last;
    }
    // One contiguous tensor where the backend works is reduced in place; others through the kept bucket.
    const auto& single = tensors[first];
    const bool in_place = last == first + 1 && single.is_contiguous() && single.device() == group_->staging;
    int64_t elements = 0;
    for (size_t i = first; i < last; ++i) elements += tensors[i].numel();
    torch::Tensor flat =
        in_place ? single.view({-1}) : group_->bucket(single.scalar_type(), elements);  // [elements]
    int64_t offset = 0;
    for (size_t i = first; i < last && !in_place; ++i) {
      const int64_t n = tensors[i].numel();
      flat.narrow(0, offset, n).copy_(tensors[i].reshape({-1}));
      offset += n;
    }
    guarded("gradient all-reduce", [&] {
      std::vector<at::Tensor> buffers{flat};
      group_->backend->allreduce(buffers)->wait();
    });
    offset = 0;
    for (size_t i = first; i < last && !in_place; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(flat.narrow(0, offset, n).view(tensors[i].sizes()));
      offset += n;
    }
    stats_.tensor_bytes += bytes;
    first = last;
  }
  stats_.tensor_seconds += now_seconds() - start;
}

void Collectives::broadcast_from_main(const std::vector<torch::Tensor>& tensors) {
  if (!is_distributed()) return;
  torch::NoGradGuard no_grad;
  const double start = now_seconds();
  for (const auto& tensor : tensors) {
    auto buffer = tensor.detach().to(group_->staging).contiguous();
    guarded("broadcast of rank 0's weights", [&] {
      std::vector<at::Tensor> buffers{buffer};
      c10d::BroadcastOptions options;
      options.rootRank = 0;
      group_->backend->broadcast(buffers, options)->wait();
    });
    if (!is_main()) tensor.copy_(buffer);
    stats_.tensor_bytes += tensor.numel() * static_cast<int64_t>(tensor.element_size());
  }
  stats_.tensor_seconds += now_seconds() - start;
}

std::vector<std::string> Collectives::all_gather(const std::string& bytes) {
  if (!is_distributed()) return {bytes};
  // Lengths first, then every rank's bytes padded to the longest.
  std::vector<double> lengths(static_cast<size_t>(world_size_), 0.0);
  lengths[static_cast<size_t>(rank_)] = static_cast<double>(bytes.size());
  all_reduce_sum(lengths);
  const auto longest = static_cast<int64_t>(*std::max_element(lengths.begin(), lengths.end()));
  auto mine = torch::zeros({std::max<int64_t>(1, longest)}, torch::kUInt8);  // [longest]
  std::memcpy(mine.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  mine = mine.to(group_->staging);
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < world_size_; ++r) gathered[0].push_back(torch::empty_like(mine));
  guarded("gathering of results", [&] {
    std::vector<at::Tensor> input{mine};
    group_->backend->allgather(gathered, input)->wait();
  });
  std::vector<std::string> result;
  for (int r = 0; r < world_size_; ++r) {
    auto buffer = gathered[0][static_cast<size_t>(r)].cpu();
    result.emplace_back(reinterpret_cast<const char*>(buffer.data_ptr<uint8_t>()),
                        static_cast<size_t>(lengths[static_cast<size_t>(r)]));
  }
  return result;
}

std::string Collectives::broadcast_from_main(const std::string& bytes) {
  if (!is_distributed()) return bytes;
  return all_gather(is_main() ? bytes : std::string())[0];
}

}  // namespace grpo::distributed
