#include "tokenizer/huggingface/decoders.h"

#include <nlohmann/json.hpp>

#include "tokenizer/huggingface/byte_level.h"
#include "tokenizer/huggingface/component_json.h"
#include "tokenizer/huggingface/regex.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

// Each character back to its byte; a token with a character outside the byte alphabet (an added token such as
// "<｜begin▁of▁sentence｜>") contributes its own UTF-8 bytes. Invalid UTF-8 becomes U+FFFD.
class ByteLevel : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const auto& token : tokens) {
      const size_t mark = bytes.size();
      bool in_alphabet = true;
      for (size_t at = 0; at < token.size() && in_alphabet;) {
        const int byte = unicode_to_byte(next_code_point(token, at));
        in_alphabet = byte >= 0;
        if (in_alphabet) bytes += static_cast<char>(byte);
      }
      if (!in_alphabet) bytes.replace(mark, std::string::npos, token);
    }
    return {utf8_lossy(bytes)};
  }
};

class Metaspace : public Decoder {
 public:
  Metaspace(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string text;
      const std::string& token = tokens[i];
      for (size_t at = 0; at < token.size();) {
        if (!replacement_.empty() && token.compare(at, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && strip_first_)) text += ' ';
          at += replacement_.size();
        } else {
          text += token[at++];
        }
      }
      tokens[i] = std::move(text);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class Replace : public Decoder {
 public:
  Replace(const std::string& pattern, std::string content, const std::string& where)
      : regex_(pattern, where), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& token : tokens) token = regex_.replace_all(token, content_);
    return tokens;
  }

 private:
  Regex regex_;
  std::string content_;
};

// Runs of <0xXX> tokens become their bytes (U+FFFD per byte when they are not valid UTF-8).
class ByteFallback : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> result;
    std::string bytes;
    size_t byte_count = 0;
    auto flush = [&] {
      if (byte_count == 0) return;
      if (is_valid_utf8(bytes)) {
        result.push_back(bytes);
      } else {
        std::string replacement;
        for (size_t i = 0; i < byte_count; ++i) replacement += "\xEF\xBF\xBD";
        result.push_back(replacement);
      }
      bytes.clear();
      byte_count = 0;
    };
    for (auto& token : tokens) {
      int value = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
        try {
          size_t used = 0;
          value = std::stoi(token.substr(3, 2), &used, 16);
          if (used != 2) value = -1;
        } catch (const std::exception&) {
          value = -1;
        }
      }
      if (value >= 0) {
        bytes += static_cast<char>(value);
        ++byte_count;
      } else {
        flush();
        result.push_back(std::move(token));
      }
    }
    flush();
    return result;
  }
};

class Fuse : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string joined;
    for (const auto& token : tokens) joined += token;
    return {joined};
  }
};

// Up to `start` leading and `stop` trailing copies of `content` removed from each token.
class Strip : public Decoder {
 public:
  Strip(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    if (content_.empty()) return tokens;
    for (auto& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t i = 0; i < start_ && token.compare(begin, content_.size(), content_) == 0 && begin < end;
           ++i) {
        begin += content_.size();
      }
      for (size_t i = 0; i < stop_ && end >= begin + content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i) {
        end -= content_.size();
      }
      token = token.substr(begin, end - begin);
    }
    return tokens;
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

bool metaspace_strips_first(const nlohmann::json& spec) {
  if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()) {
    return spec["prepend_scheme"].get<std::string>() != "never";
  }
  return spec.value("add_prefix_space", true);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const std::string& file) {
  if (spec.is_null()) return nullptr;
  const ComponentSource source{file, "decoder"};
  const std::string type = component_type(spec, source);
  if (type == "ByteLevel") return make_byte_level_decoder();
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(spec.value("replacement", std::string("\xE2\x96\x81")),
                                       metaspace_strips_first(spec));
  }
  if (type == "Replace") {
    return std::make_unique<Replace>(pattern_regex(spec, source),
                                     required_field(spec, "content", source).get<std::string>(),
                                     file + ": decoder Replace");
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") {
    return std::make_unique<Strip>(required_field(spec, "content", source).get<std::string>(),
                                   spec.value("start", size_t{0}), spec.value("stop", size_t{0}));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& step : required_field(spec, "decoders", source)) {
      if (auto decoder = make_decoder(step, file)) steps.push_back(std::move(decoder));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  unsupported_component(type, source,
                        {"ByteLevel", "Metaspace", "Replace", "ByteFallback", "Fuse", "Strip", "Sequence"});
}

std::unique_ptr<Decoder> make_byte_level_decoder() {
  return std::make_unique<ByteLevel>();
}

}  // namespace grpo::hf
