#include "distributed/rank_environment.h"

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace grpo::distributed {

namespace {

int integer_variable(const char* name, const char* value, int low, int high) {
  char* end = nullptr;
  const long parsed = std::strtol(value, &end, 10);
  if (end == value || *end != '\0' || parsed < low || parsed > high) {
    fail("environment variable {}='{}' is not an integer in [{}, {}]", name, value, low, high);
  }
  return static_cast<int>(parsed);
}

}  // namespace

RankEnvironment rank_environment_from(const std::function<const char*(const char*)>& lookup) {
  auto get = [&](const char* name) { return lookup ? lookup(name) : std::getenv(name); };
  RankEnvironment env;
  const char* world = get("WORLD_SIZE");
  const char* rank = get("RANK");
  if (world == nullptr) {
    if (rank != nullptr && std::string(rank) != "0") {
      fail("environment variable RANK={} is set but WORLD_SIZE is not: set both (torchrun does)", rank);
    }
    return env;
  }
  env.world_size = integer_variable("WORLD_SIZE", world, 1, 1 << 20);
  if (env.world_size == 1) return env;
  if (rank == nullptr) fail("WORLD_SIZE={} is set but RANK is not: set both (torchrun does)", env.world_size);
  env.rank = integer_variable("RANK", rank, 0, env.world_size - 1);
  const char* local_rank = get("LOCAL_RANK");
  const char* local_world = get("LOCAL_WORLD_SIZE");
  env.local_world_size =
      local_world ? integer_variable("LOCAL_WORLD_SIZE", local_world, 1, env.world_size) : 1;
  env.local_rank = local_rank ? integer_variable("LOCAL_RANK", local_rank, 0, env.local_world_size - 1) : 0;
  const char* addr = get("MASTER_ADDR");
  const char* port = get("MASTER_PORT");
  if (addr == nullptr || *addr == '\0' || port == nullptr) {
    fail(
        "WORLD_SIZE={} but MASTER_ADDR or MASTER_PORT is not set: set both to rank 0's address and a free "
        "port (torchrun and `grpo train --nproc-per-node N` set them)",
        env.world_size);
  }
  env.master_addr = addr;
  env.master_port = integer_variable("MASTER_PORT", port, 1, 65535);
  return env;
}

}  // namespace grpo::distributed
