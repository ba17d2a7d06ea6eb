// Normalizers of tokenizer.json: NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

#include "tokenizer/huggingface/component_json.h"

namespace grpo::hf {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// The normalizer a tokenizer.json "normalizer" object describes; nullptr for null.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const std::string& file);

}  // namespace grpo::hf
