// Fuzzing the safetensors reader (model/safetensors.cpp): the 8-byte header length, the JSON header (dtypes,
// shapes, offsets, metadata) and the data section, through read_safetensors_header and read_safetensors.
//
// An input is a file in one of two forms. Raw bytes (the length prefix is fuzzed too). Or, when it starts
// with '{', "header JSON \0 data": the target writes the right length prefix, so that mutations which
// change the header's length (a number replaced by a longer one) still reach the checks behind the prefix.
#include <cstring>

#include "fuzz_driver.h"
#include "fuzz_file.h"
#include "model/safetensors.h"

namespace {

std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t length = header.size();
  std::memcpy(&out[0], &length, 8);
  return out + header + data;
}

// The file an input stands for (see the top of this file).
std::string file_bytes(const std::string& input) {
  if (input.empty() || input[0] != '{') return input;
  const size_t split = input.find('\0');
  if (split == std::string::npos) return safetensors_bytes(input, "");
  return safetensors_bytes(input.substr(0, split), input.substr(split + 1));
}

std::string header_form(const std::string& header, const std::string& data) {
  return header + std::string(1, '\0') + data;
}

}  // namespace

int main(int argc, char** argv) {
  grpo::fuzz::ScratchFile file("model.safetensors");
  grpo::fuzz::Target target;
  target.name = "safetensors";
  const std::string two_by_two =
      R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}})";
  const std::string two_tensors = R"({"a":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},)"
                                  R"("b":{"dtype":"I64","shape":[1,1],"data_offsets":[6,14]}})";
  const std::string scalar = R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})";
  const std::string empty_and_bool = R"({"e":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},)"
                                     R"("t":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})";
  const std::string empty = R"({"empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})";
  target.seeds = {
      safetensors_bytes(two_by_two, std::string(16, '\1')),
      safetensors_bytes(two_tensors, std::string(14, '\2')),
      safetensors_bytes(scalar, std::string(8, '\0')),
      safetensors_bytes(empty_and_bool, std::string("\1\0", 2)),
      safetensors_bytes("{}", ""),
      header_form(two_by_two, std::string(16, '\1')),
      header_form(two_tensors, std::string(14, '\2')),
      header_form(scalar, std::string(8, '\0')),
      header_form(empty_and_bool, std::string("\1\0", 2)),
      header_form(empty, ""),
  };
  target.dictionary = {"\"dtype\"",
                       "\"shape\"",
                       "\"data_offsets\"",
                       "\"__metadata__\"",
                       "\"F32\"",
                       "\"BF16\"",
                       "\"F16\"",
                       "\"I64\"",
                       "\"BOOL\"",
                       "[",
                       "]",
                       "{",
                       "}",
                       ",",
                       ":",
                       "null",
                       "[0,0]",
                       "\"\""};
  target.run = [&](const std::string& input) {
    const auto& path = file.write(file_bytes(input));
    const auto entries = grpo::read_safetensors_header(path);
    const grpo::SafetensorsFile read = grpo::read_safetensors(path);
    if (read.tensors.size() != entries.size())
      throw grpo::fuzz::Finding("header and reader disagree on the tensor count");
  };
  return grpo::fuzz::run_main(argc, argv, target);
}
