#include "tokenizer/huggingface/post_processors.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/huggingface/component_json.h"

namespace grpo::hf {
namespace {

// Fixed ids before and after the sequence: TemplateProcessing's single template, Bert/Roberta's cls/sep,
// none.
class Affix : public PostProcessor {
 public:
  Affix(std::vector<int64_t> prefix, std::vector<int64_t> suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}
  std::vector<int64_t> add_special_tokens(std::vector<int64_t> ids) const override {
    std::vector<int64_t> result = prefix_;
    result.insert(result.end(), ids.begin(), ids.end());
    result.insert(result.end(), suffix_.begin(), suffix_.end());
    return result;
  }
  std::vector<int64_t> prefix_ids() const override { return prefix_; }
  std::vector<int64_t> suffix_ids() const override { return suffix_; }

 private:
  std::vector<int64_t> prefix_, suffix_;
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  std::vector<int64_t> add_special_tokens(std::vector<int64_t> ids) const override {
    for (const auto& step : steps_) ids = step->add_special_tokens(std::move(ids));
    return ids;
  }
  std::vector<int64_t> prefix_ids() const override {
    std::vector<int64_t> result;
    for (const auto& step : steps_) {
      auto ids = step->prefix_ids();
      result.insert(result.begin(), ids.begin(), ids.end());
    }
    return result;
  }
  std::vector<int64_t> suffix_ids() const override {
    std::vector<int64_t> result;
    for (const auto& step : steps_) {
      auto ids = step->suffix_ids();
      result.insert(result.end(), ids.begin(), ids.end());
    }
    return result;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

// TemplateProcessing's "single" template: special tokens before and after the one "Sequence" item.
std::unique_ptr<PostProcessor> template_processing(const nlohmann::json& spec,
                                                   const ComponentSource& source) {
  const nlohmann::json& items = required_field(spec, "single", source);
  const nlohmann::json& special_tokens =
      spec.contains("special_tokens") ? spec["special_tokens"] : nlohmann::json::object();
  std::vector<int64_t> prefix, suffix;
  bool seen_sequence = false;
  for (const auto& item : items) {
    if (item.contains("Sequence")) {
      seen_sequence = true;
      continue;
    }
    if (!item.contains("SpecialToken") || !item["SpecialToken"].contains("id")) {
      fail("{}: a TemplateProcessing item is neither {{\"Sequence\": ...}} nor {{\"SpecialToken\": ...}}: {}",
           source.file, item.dump().substr(0, 200));
    }
    const std::string name = item["SpecialToken"]["id"].get<std::string>();
    if (!special_tokens.contains(name) || !special_tokens[name].contains("ids")) {
      fail("{}: TemplateProcessing uses the special token '{}', which its \"special_tokens\" does not define",
           source.file, name);
    }
    for (const auto& id : special_tokens[name]["ids"])
      (seen_sequence ? suffix : prefix).push_back(id.get<int64_t>());
  }
  return make_affix_processor(std::move(prefix), std::move(suffix));
}

// Bert/Roberta: "cls": [token, id] before, "sep": [token, id] after.
std::unique_ptr<PostProcessor> cls_sep(const nlohmann::json& spec, const ComponentSource& source) {
  const auto id_of = [&](const char* name) {
    return required_field(spec, name, source).at(1).get<int64_t>();
  };
  return make_affix_processor({id_of("cls")}, {id_of("sep")});
}

}  // namespace

std::unique_ptr<PostProcessor> make_affix_processor(std::vector<int64_t> prefix,
                                                    std::vector<int64_t> suffix) {
  return std::make_unique<Affix>(std::move(prefix), std::move(suffix));
}

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec, const std::string& file) {
  if (spec.is_null()) return nullptr;
  const ComponentSource source{file, "post_processor"};
  const std::string type = component_type(spec, source);
  if (type == "ByteLevel") return make_affix_processor({}, {});
  if (type == "TemplateProcessing") return template_processing(spec, source);
  if (type == "BertProcessing" || type == "RobertaProcessing") return cls_sep(spec, source);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (const auto& step : required_field(spec, "processors", source)) {
      if (auto processor = make_post_processor(step, file)) steps.push_back(std::move(processor));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  unsupported_component(
      type, source, {"TemplateProcessing", "ByteLevel", "BertProcessing", "RobertaProcessing", "Sequence"});
}

}  // namespace grpo::hf
