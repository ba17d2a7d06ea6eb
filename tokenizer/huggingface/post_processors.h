// Post-processors of tokenizer.json: the special tokens added around a text when it is encoded with
// add_special_tokens (TemplateProcessing, BertProcessing, RobertaProcessing; ByteLevel adds none; Sequence).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace grpo::hf {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // One sequence's ids -> the ids with the special tokens around them.
  virtual std::vector<int64_t> add_special_tokens(std::vector<int64_t> ids) const = 0;
  // The ids added before and after a sequence (for bos/eos discovery).
  virtual std::vector<int64_t> prefix_ids() const = 0;
  virtual std::vector<int64_t> suffix_ids() const = 0;
};

// The post-processor a tokenizer.json "post_processor" object describes; nullptr for null.
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec, const std::string& file);

// A post-processor that adds fixed ids before and after a sequence.
std::unique_ptr<PostProcessor> make_affix_processor(std::vector<int64_t> prefix, std::vector<int64_t> suffix);

}  // namespace grpo::hf
