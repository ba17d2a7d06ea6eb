// Safetensors: round trips of every dtype (single file and shards), the byte layout Hugging Face expects, and
// one clear error, naming the file and the tensor, for each kind of damaged file (crafted byte by byte here).
#include "model/safetensors.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <set>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;
using grpo::testing::expect_mentions;

namespace fs = std::filesystem;
using grpo::testing::TempDir;
using grpo::testing::write_text;

std::string little_endian_u64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

// A safetensors file: the header's length, the header, then `data`.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return little_endian_u64(header.size()) + header + data;
}

std::string float_bytes(std::initializer_list<float> values) {
  std::string bytes;
  for (float value : values) {
    char raw[4];
    std::memcpy(raw, &value, 4);
    bytes.append(raw, 4);
  }
  return bytes;
}

TensorMap every_dtype() {
  torch::manual_seed(3);
  TensorMap tensors;
  tensors["f64"] = torch::randn({3, 2}, torch::kFloat64);
  tensors["f32"] = torch::randn({4, 5});
  tensors["f16"] = torch::randn({7}).to(torch::kFloat16);
  tensors["bf16"] = torch::randn({2, 3, 5}).to(torch::kBFloat16);  // odd byte counts before wider ones
  tensors["i64"] = torch::arange(-6, 6, torch::kInt64).reshape({3, 4});
  tensors["i32"] = torch::tensor({-2147483647 - 1, 0, 2147483647}, torch::kInt32);
  tensors["i16"] = torch::tensor({-3, 7, 32767}, torch::kInt16);
  tensors["i8"] = torch::tensor({-128, 5, 127}, torch::kInt8);
  tensors["u8"] = torch::tensor({0, 200, 255}, torch::kUInt8);
  tensors["bool"] = torch::tensor({true, false, true}, torch::kBool);
  tensors["scalar"] = torch::tensor(2.5);         // shape []
  tensors["empty"] = torch::zeros({0, 3});        // no bytes at all
  tensors["strided"] = torch::randn({4, 6}).t();  // not contiguous: must be written as its values
  tensors["model.layers.0.self_attn.q_proj.weight"] = torch::randn({8, 8});
  return tensors;
}

void expect_same_tensors(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    auto found = actual.find(name);
    ASSERT_NE(found, actual.end()) << name;
    EXPECT_EQ(found->second.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(found->second.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(torch::equal(found->second, tensor)) << name;
  }
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  TempDir dir;
  TensorMap tensors = every_dtype();
  write_safetensors(dir / "all.safetensors", tensors, {{"format", "pt"}, {"note", "hello"}});
  SafetensorsFile file = read_safetensors(dir / "all.safetensors");
  expect_same_tensors(tensors, file.tensors);
  EXPECT_EQ(file.metadata.at("format"), "pt");
  EXPECT_EQ(file.metadata.at("note"), "hello");
}

TEST(Safetensors, WritesHuggingFaceLayout) {
  TempDir dir;
  TensorMap tensors;
  tensors["a"] = torch::tensor({1.0f, 2.0f});
  tensors["b"] = torch::tensor({1.0f}).to(torch::kBFloat16);
  tensors["c"] = torch::tensor({int64_t{7}});
  write_safetensors(dir / "x.safetensors", tensors);
  std::string bytes = read_file(dir / "x.safetensors");

  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(header_length % 8, 0u) << "the data must start 8-byte aligned";
  auto header = nlohmann::json::parse(bytes.substr(8, header_length));
  EXPECT_EQ(header["__metadata__"]["format"], "pt");
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"], nlohmann::json::array({2}));
  EXPECT_EQ(header["b"]["dtype"], "BF16");
  EXPECT_EQ(header["c"]["dtype"], "I64");
  // Data offsets are relative to the end of the header and cover the data section exactly.
  EXPECT_EQ(bytes.size(), 8 + header_length + 8 + 8 + 2);  // a: 2 x F32, c: 1 x I64, b: 1 x BF16
  const std::string data = bytes.substr(8 + header_length);
  const uint64_t a_begin = header["a"]["data_offsets"][0];
  const uint64_t b_begin = header["b"]["data_offsets"][0];
  EXPECT_EQ(data.substr(a_begin, 8), float_bytes({1.0f, 2.0f}));
  EXPECT_EQ(static_cast<unsigned char>(data[b_begin]), 0x80);  // bfloat16 1.0 = 0x3F80, little-endian
  EXPECT_EQ(static_cast<unsigned char>(data[b_begin + 1]), 0x3F);
}

TEST(Safetensors, ReadsAHandWrittenFile) {
  TempDir dir;
  // bf16 bits 0x4040 = 3.0; offsets deliberately not in name order.
  std::string header =
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[2,10]},"h":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}})";
  write_text(dir / "h.safetensors",
             safetensors_bytes(header, std::string("\x40\x40", 2) + float_bytes({0.5f, -4.0f})));
  SafetensorsFile file = read_safetensors(dir / "h.safetensors");
  ASSERT_EQ(file.tensors.size(), 2u);
  EXPECT_TRUE(torch::equal(file.tensors.at("w"), torch::tensor({0.5f, -4.0f})));
  EXPECT_EQ(file.tensors.at("h").dim(), 0);
  EXPECT_EQ(file.tensors.at("h").item<float>(), 3.0f);
  EXPECT_TRUE(file.metadata.empty());
}

TEST(Safetensors, ShardedRoundTripAndSwitchBackToOneFile) {
  TempDir dir;
  TensorMap tensors = every_dtype();
  write_model_weights(dir.path(), tensors, /*max_shard_bytes=*/100);
  ASSERT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
  auto index = nlohmann::json::parse(read_file(dir / "model.safetensors.index.json"));
  int64_t total = 0;
  for (const auto& [name, tensor] : tensors) total += tensor.numel() * tensor.element_size();
  EXPECT_EQ(index["metadata"]["total_size"].get<int64_t>(), total);
  EXPECT_EQ(index["weight_map"].size(), tensors.size());
  std::set<std::string> shard_files;
  for (const auto& [name, file] : index["weight_map"].items()) shard_files.insert(file.get<std::string>());
  EXPECT_GT(shard_files.size(), 2u);
  for (const auto& file : shard_files) {
    EXPECT_TRUE(fs::exists(dir / file)) << file;
    EXPECT_NE(file.find(fmt::format("-of-{:05d}.safetensors", shard_files.size())), std::string::npos)
        << file;
  }

  std::map<std::string, fs::path> origins;
  expect_same_tensors(tensors, read_model_weights(dir.path(), &origins));
  EXPECT_EQ(origins.at("f32").filename().string(), index["weight_map"]["f32"].get<std::string>());

  // Saving again unsharded leaves one file and no stale index or shards.
  tensors["f32"] = tensors["f32"] * 2;
  write_model_weights(dir.path(), tensors);
  EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
  EXPECT_FALSE(fs::exists(dir / "model.safetensors.index.json"));
  for (const auto& file : shard_files) EXPECT_FALSE(fs::exists(dir / file)) << file;
  expect_same_tensors(tensors, read_model_weights(dir.path()));
}

// ---- Damaged files: one grpo::Error naming the file (and the tensor when one is at fault).

class DamagedSafetensors : public ::testing::Test {
 protected:
  std::string read_error(const std::string& bytes) {
    write_text(path(), bytes);
    return error_of([&] { read_safetensors(path()); });
  }
  fs::path path() const { return dir_ / "bad.safetensors"; }
  TempDir dir_;
};

TEST_F(DamagedSafetensors, ShorterThanTheLength) {
  expect_mentions(read_error(std::string("\x10\x00\x00", 3)), {path().string(), "truncated", "3 bytes"});
}

TEST_F(DamagedSafetensors, HeaderLengthLargerThanTheFile) {
  std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string bytes = little_endian_u64(1000) + header + float_bytes({1.0f});
  expect_mentions(read_error(bytes), {path().string(), "header length 1000", "larger than the file"});
}

TEST_F(DamagedSafetensors, HugeHeaderLength) {
  expect_mentions(read_error(little_endian_u64(~uint64_t{0}) + "{}"), {path().string(), "header length"});
}

TEST_F(DamagedSafetensors, InvalidJsonHeader) {
  std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";  // one brace short
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1.0f}))),
                  {path().string(), "not valid JSON"});
}

// nlohmann reports a number beyond double's range as out_of_range, not parse_error (found by tests/fuzz).
TEST_F(DamagedSafetensors, NumberTooLargeForADouble) {
  std::string header = R"({"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1.0f}))),
                  {path().string(), "not valid JSON", "1e400"});
}

TEST_F(DamagedSafetensors, HeaderNotAnObject) {
  expect_mentions(read_error(safetensors_bytes("[1, 2]", "")), {path().string(), "JSON object"});
}

TEST_F(DamagedSafetensors, UnknownDtype) {
  std::string header = R"({"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,4]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1.0f}))),
                  {path().string(), "tensor 'w'", "unknown dtype \"Q4_K\"", "BF16"});
}

TEST_F(DamagedSafetensors, BytesDoNotMatchTheShape) {
  std::string header = R"({"ok":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                       R"("w":{"dtype":"F32","shape":[2,2],"data_offsets":[4,16]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1, 2, 3, 4}))),
                  {path().string(), "tensor 'w'", "[2, 2]", "needs 16 bytes", "hold 12"});
}

TEST_F(DamagedSafetensors, OffsetsOutOfRange) {
  std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1, 2, 3, 4}))),
                  {path().string(), "tensor 'w'", "[8, 24]", "outside the data section (16 bytes)"});
}

TEST_F(DamagedSafetensors, OffsetsBackwards) {
  std::string header = R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1}))), {path().string(), "tensor 'w'"});
}

TEST_F(DamagedSafetensors, OverlappingOffsets) {
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1, 2, 3}))),
                  {path().string(), "tensor 'b'", "overlaps tensor 'a'"});
}

TEST_F(DamagedSafetensors, NegativeDimension) {
  std::string header = R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1}))),
                  {path().string(), "tensor 'w'", "shape"});
}

// 2^62 F32 elements are 2^64 bytes, which wrapped around to 0 and matched empty data_offsets; LibTorch then
// refused the allocation with its own error (found by tests/fuzz).
TEST_F(DamagedSafetensors, ByteSizeOverflowingTo0) {
  for (const std::string shape : {"[4611686018427387904]", "[2147483648, 2147483648]"}) {
    const std::string header = R"({"w":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
    expect_mentions(read_error(safetensors_bytes(header, "")),
                    {path().string(), "tensor 'w'", "impossibly large"});
    expect_mentions(error_of([&] { read_safetensors_header(path()); }), {"tensor 'w'", "impossibly large"});
  }
}

TEST_F(DamagedSafetensors, MissingDataOffsets) {
  std::string header = R"({"w":{"dtype":"F32","shape":[1]}})";
  expect_mentions(read_error(safetensors_bytes(header, float_bytes({1}))),
                  {path().string(), "tensor 'w'", "data_offsets"});
}

TEST_F(DamagedSafetensors, GoodFileCutShort) {
  TensorMap tensors;
  tensors["first"] = torch::ones({4});
  tensors["second"] = torch::ones({4});
  write_safetensors(path(), tensors);
  std::string bytes = read_file(path());
  std::string message = read_error(bytes.substr(0, bytes.size() - 3));
  expect_mentions(message, {path().string(), "tensor 'second'", "truncated"});
}

TEST_F(DamagedSafetensors, MissingFile) {
  expect_mentions(error_of([&] { read_safetensors(dir_ / "absent.safetensors"); }),
                  {(dir_ / "absent.safetensors").string(), "no such file"});
}

class DamagedShards : public ::testing::Test {
 protected:
  void SetUp() override {
    TensorMap tensors;
    tensors["a"] = torch::ones({16});
    tensors["b"] = torch::ones({16});
    tensors["c"] = torch::ones({16});
    write_model_weights(dir_.path(), tensors, /*max_shard_bytes=*/64);
    index_ = nlohmann::json::parse(read_file(dir_ / "model.safetensors.index.json"));
  }
  void write_index() { write_text(dir_ / "model.safetensors.index.json", index_.dump()); }
  TempDir dir_;
  nlohmann::json index_;
};

TEST_F(DamagedShards, IndexListsAMissingShard) {
  const std::string shard = index_["weight_map"]["b"];
  fs::remove(dir_ / shard);
  expect_mentions(error_of([&] { read_model_weights(dir_.path()); }),
                  {(dir_ / "model.safetensors.index.json").string(), shard, "tensor 'b'", "does not exist"});
}

TEST_F(DamagedShards, IndexWithANumberTooLargeForADouble) {
  write_text(dir_ / "model.safetensors.index.json",
             R"({"metadata": {"total_size": 1e400}, "weight_map": {}})");
  expect_mentions(error_of([&] { read_model_weights(dir_.path()); }),
                  {"model.safetensors.index.json", "not valid JSON", "1e400"});
}

TEST_F(DamagedShards, IndexListsAMissingTensor) {
  index_["weight_map"]["ghost"] = index_["weight_map"]["a"];
  write_index();
  const std::string shard = index_["weight_map"]["a"];
  expect_mentions(error_of([&] { read_model_weights(dir_.path()); }),
                  {"model.safetensors.index.json", "tensor 'ghost'", shard, "does not contain it"});
}

TEST_F(DamagedShards, ShardOutsideTheDirectory) {
  index_["weight_map"]["a"] = "../elsewhere.safetensors";
  write_index();
  expect_mentions(error_of([&] { read_model_weights(dir_.path()); }),
                  {"tensor 'a'", "../elsewhere.safetensors"});
}

TEST_F(DamagedShards, DamagedShardNamesItself) {
  const std::string shard = index_["weight_map"]["c"];
  write_text(dir_ / shard, "\x01\x02");
  expect_mentions(error_of([&] { read_model_weights(dir_.path()); }), {(dir_ / shard).string(), "truncated"});
}

TEST(SafetensorsDirectory, NoWeightsAtAll) {
  TempDir dir;
  expect_mentions(error_of([&] { read_model_weights(dir.path()); }),
                  {dir.path().string(), "model.safetensors", "model.safetensors.index.json"});
}

TEST(SafetensorsWrite, RefusesUnsupportedDtype) {
  TempDir dir;
  TensorMap tensors;
  tensors["complex"] = torch::zeros({2}, torch::kComplexFloat);
  expect_mentions(error_of([&] { write_safetensors(dir / "c.safetensors", tensors); }), {"complex"});
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a refused write leaves nothing behind";
}

}  // namespace
}  // namespace grpo
