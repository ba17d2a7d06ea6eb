// The c10d layer on its own: torchrun's environment read and checked, and two ranks (two threads of this
// process, a real TCPStore and Gloo group on the loopback interface) summing, gathering and broadcasting.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "distributed/collectives.h"
#include "distributed/rank_environment.h"
#include "error_message.h"

namespace grpo::distributed {
namespace {

std::function<const char*(const char*)> lookup_in(const std::map<std::string, std::string>& variables) {
  return [&variables](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

TEST(RankEnvironment, NoWorldSizeIsOneProcess) {
  const std::map<std::string, std::string> none;
  const auto env = rank_environment_from(lookup_in(none));
  EXPECT_FALSE(env.is_distributed());
  EXPECT_EQ(env.rank, 0);
}

TEST(RankEnvironment, ReadsTorchrunsVariables) {
  const std::map<std::string, std::string> torchrun = {{"RANK", "3"},
                                                       {"WORLD_SIZE", "4"},
                                                       {"LOCAL_RANK", "1"},
                                                       {"LOCAL_WORLD_SIZE", "2"},
                                                       {"MASTER_ADDR", "node0"},
                                                       {"MASTER_PORT", "29511"}};
  const auto env = rank_environment_from(lookup_in(torchrun));
  EXPECT_TRUE(env.is_distributed());
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.master_addr, "node0");
  EXPECT_EQ(env.master_port, 29511);
}

TEST(RankEnvironment, MalformedOrMissingVariablesAreNamed) {
  const std::map<std::string, std::string> rank_too_big = {
      {"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}};
  testing::expect_mentions(testing::error_of([&] { rank_environment_from(lookup_in(rank_too_big)); }),
                           {"RANK='2'"});
  const std::map<std::string, std::string> no_master = {{"RANK", "0"}, {"WORLD_SIZE", "2"}};
  testing::expect_mentions(testing::error_of([&] { rank_environment_from(lookup_in(no_master)); }),
                           {"MASTER_ADDR or MASTER_PORT"});
  const std::map<std::string, std::string> bad_port = {
      {"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}};
  testing::expect_mentions(testing::error_of([&] { rank_environment_from(lookup_in(bad_port)); }),
                           {"MASTER_PORT='70000'"});
  const std::map<std::string, std::string> rank_alone = {{"RANK", "1"}};
  testing::expect_mentions(testing::error_of([&] { rank_environment_from(lookup_in(rank_alone)); }),
                           {"WORLD_SIZE is not"});
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Runs `body(collectives)` as ranks 0 and 1 of a fresh group, in two threads; rethrows a rank's failure.
void on_two_ranks(const std::function<void(Collectives&)>& body) {
  const int port = free_port();
  std::string failures[2];
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.emplace_back([&, rank] {
      try {
        RankEnvironment env;
        env.rank = rank;
        env.world_size = 2;
        env.master_port = port;
        auto collectives = Collectives::connect(env, {"gloo", 30}, torch::kCPU);
        body(*collectives);
      } catch (const std::exception& e) {
        failures[rank] = e.what();
      }
    });
  }
  for (auto& thread : ranks) thread.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
}

TEST(Collectives, OneProcessReturnsItsInput) {
  Collectives single;
  std::vector<double> values{1.5, -2};
  single.all_reduce_sum(values);
  EXPECT_EQ(values, (std::vector<double>{1.5, -2}));
  EXPECT_TRUE(single.any(true));
  EXPECT_EQ(single.all_gather("abc"), std::vector<std::string>{"abc"});
}

TEST(Collectives, TwoRanksSumGatherAndBroadcast) {
  on_two_ranks([](Collectives& c) {
    const double r = c.rank();
    std::vector<double> values{1.0 + r, 1e-17 * (r + 1)};  // doubles stay doubles
    c.all_reduce_sum(values);
    EXPECT_EQ(values[0], 3.0);
    EXPECT_DOUBLE_EQ(values[1], 3e-17);
    EXPECT_EQ(c.any(c.rank() == 1), true);
    EXPECT_EQ(c.any(false), false);

    // Tensors of several shapes, summed through buckets smaller than one of them.
    auto a = torch::full({3, 2}, r + 1), b = torch::arange(5, torch::kFloat32) * (r + 1);  // [3, 2], [5]
    c.all_reduce_sum({a, b}, /*bucket_bytes=*/16);
    EXPECT_TRUE(torch::equal(a, torch::full({3, 2}, 3.0)));
    EXPECT_TRUE(torch::equal(b, torch::arange(5, torch::kFloat32) * 3));
    EXPECT_GT(c.stats().tensor_bytes, 0);

    auto weights = torch::full({4}, r + 10);  // [4]
    c.broadcast_from_main({weights});
    EXPECT_TRUE(torch::equal(weights, torch::full({4}, 10.0)));

    const auto gathered = c.all_gather(c.rank() == 0 ? std::string("zero") : std::string("one\0x", 5));
    ASSERT_EQ(gathered.size(), 2u);
    EXPECT_EQ(gathered[0], "zero");
    EXPECT_EQ(gathered[1], std::string("one\0x", 5));
    EXPECT_EQ(c.broadcast_from_main(c.rank() == 0 ? "path" : ""), "path");
  });
}

TEST(Collectives, UnknownBackendAndNcclWithoutNcclAreClearErrors) {
  RankEnvironment env;
  env.world_size = 2;
  testing::expect_mentions(testing::error_of([&] {
                             Collectives::connect(env, {"mpi", 5}, torch::kCPU);
                           }),
                           {"--dist-backend 'mpi'"});
#ifndef USE_C10D_NCCL
  testing::expect_mentions(testing::error_of([&] {
                             Collectives::connect(env, {"nccl", 5}, torch::kCPU);
                           }),
                           {"use --dist-backend gloo"});
#endif
}

}  // namespace
}  // namespace grpo::distributed
