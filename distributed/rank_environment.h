// Where this process stands in a data-parallel run, read from the environment torchrun sets (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT); `grpo train --nproc-per-node N`
// sets the same variables for the ranks it starts. No WORLD_SIZE (or WORLD_SIZE=1): one process.
#pragma once

#include <functional>
#include <string>

namespace grpo::distributed {

struct RankEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool is_distributed() const { return world_size > 1; }
};

// `lookup` returns a variable's value or nullptr (default: getenv). Throws grpo::Error naming the variable
// when one is malformed or missing (RANK without WORLD_SIZE, RANK >= WORLD_SIZE, a port out of range).
RankEnvironment rank_environment_from(const std::function<const char*(const char*)>& lookup = {});

}  // namespace grpo::distributed
