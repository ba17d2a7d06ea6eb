#include "tokenizer/huggingface/normalizers.h"

#include <nlohmann/json.hpp>

#include <vector>

#include "tokenizer/huggingface/regex.h"
#include "tokenizer/huggingface/unicode.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalizationForm form) : form_(form) {}
  std::string normalize(std::string text) const override { return normalize_unicode(text, form_); }

 private:
  NormalizationForm form_;
};

class Lowercase : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return lowercase(text); }
};

class Replace : public Normalizer {
 public:
  Replace(const std::string& pattern, std::string content, const std::string& where)
      : regex_(pattern, where), content_(std::move(content)) {}
  std::string normalize(std::string text) const override { return regex_.replace_all(text, content_); }

 private:
  Regex regex_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string text) const override { return text.empty() ? text : prefix_ + text; }

 private:
  std::string prefix_;
};

// Strip: whitespace removed from the left and/or the right.
class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      for (size_t at = 0; at < text.size();) {
        if (!is_whitespace(next_code_point(text, at))) break;
        begin = at;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t at = start;
        if (!is_whitespace(next_code_point(text, at))) break;
        end = start;
      }
    }
    return text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string text) const override {
    for (const auto& step : steps_) text = step->normalize(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const std::string& file) {
  if (spec.is_null()) return nullptr;
  const ComponentSource source{file, "normalizer"};
  const std::string type = component_type(spec, source);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalizationForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalizationForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalizationForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalizationForm::NFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Replace") {
    return std::make_unique<Replace>(pattern_regex(spec, source),
                                     required_field(spec, "content", source).get<std::string>(),
                                     file + ": normalizer Replace");
  }
  if (type == "Prepend")
    return std::make_unique<Prepend>(required_field(spec, "prepend", source).get<std::string>());
  if (type == "Strip")
    return std::make_unique<Strip>(spec.value("strip_left", true), spec.value("strip_right", true));
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : required_field(spec, "normalizers", source)) {
      if (auto normalizer = make_normalizer(step, file)) steps.push_back(std::move(normalizer));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  unsupported_component(
      type, source, {"NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Replace", "Prepend", "Strip", "Sequence"});
}

}  // namespace grpo::hf
