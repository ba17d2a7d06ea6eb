// Decoders of tokenizer.json: token texts -> text (ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip,
// Sequence), each a step of tokenizers' decode_chain.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace grpo::hf {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// The decoder a tokenizer.json "decoder" object describes; nullptr for null (tokens are then joined by
// spaces).
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const std::string& file);
// GPT-2's decoder (ByteLevel).
std::unique_ptr<Decoder> make_byte_level_decoder();

}  // namespace grpo::hf
