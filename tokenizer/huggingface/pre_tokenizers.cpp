#include "tokenizer/huggingface/pre_tokenizers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>

#include "tokenizer/huggingface/byte_level.h"
#include "tokenizer/huggingface/component_json.h"
#include "tokenizer/huggingface/regex.h"
#include "tokenizer/huggingface/unicode.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

// GPT-2's pattern, which ByteLevel applies when `use_regex` is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// What happens to the matched parts when a piece is split (tokenizers' SplitDelimiterBehavior).
enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Segment {
  size_t begin, end;
  bool is_match;
};

// `matches` (sorted, non-overlapping) and the text between them, as segments covering [0, size).
std::vector<Segment> segments_of(const std::vector<std::pair<size_t, size_t>>& matches, size_t size,
                                 bool invert) {
  std::vector<Segment> segments;
  if (size == 0) return {{0, 0, false}};
  size_t previous = 0;
  for (const auto& [begin, end] : matches) {
    if (begin != previous) segments.push_back({previous, begin, invert});
    segments.push_back({begin, end, !invert});
    previous = end;
  }
  if (previous != size) segments.push_back({previous, size, invert});
  return segments;
}

// tokenizers' NormalizedString::split: the pieces `behavior` makes of the segments (empty pieces dropped).
std::vector<std::pair<size_t, size_t>> apply_behavior(const std::vector<Segment>& segments,
                                                      Behavior behavior) {
  std::vector<std::pair<size_t, size_t>> parts;
  bool previous_match = false;
  switch (behavior) {
    case Behavior::Isolated:
      for (const auto& s : segments) parts.emplace_back(s.begin, s.end);
      break;
    case Behavior::Removed:
      for (const auto& s : segments) {
        if (!s.is_match) parts.emplace_back(s.begin, s.end);
      }
      break;
    case Behavior::MergedWithPrevious:
      for (const auto& s : segments) {
        if (s.is_match && !previous_match && !parts.empty()) {
          parts.back().second = s.end;
        } else {
          parts.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto s = segments.rbegin(); s != segments.rend(); ++s) {
        if (s->is_match && !previous_match && !parts.empty()) {
          parts.back().first = s->begin;
        } else {
          parts.emplace_back(s->begin, s->end);
        }
        previous_match = s->is_match;
      }
      std::reverse(parts.begin(), parts.end());
      break;
    case Behavior::Contiguous:
      for (const auto& s : segments) {
        if (s.is_match == previous_match && !parts.empty()) {
          parts.back().second = s.end;
        } else {
          parts.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
  }
  return parts;
}

// Replaces each piece by the non-empty parts `find` and `behavior` cut it into.
void split_pieces(std::vector<Piece>& pieces, Behavior behavior, bool invert,
                  const std::function<std::vector<std::pair<size_t, size_t>>(std::string_view)>& find) {
  std::vector<Piece> result;
  result.reserve(pieces.size() * 2);
  for (auto& piece : pieces) {
    const auto parts = apply_behavior(segments_of(find(piece.text), piece.text.size(), invert), behavior);
    for (const auto& [begin, end] : parts) {
      if (begin == end) continue;
      result.push_back({piece.text.substr(begin, end - begin), piece.at_text_start && begin == 0});
    }
  }
  pieces = std::move(result);
}

// Each character for which `predicate` holds, as a match of its own.
std::vector<std::pair<size_t, size_t>> character_matches(std::string_view text,
                                                         const std::function<bool(char32_t)>& predicate) {
  std::vector<std::pair<size_t, size_t>> matches;
  for (size_t at = 0; at < text.size();) {
    const size_t begin = at;
    if (predicate(next_code_point(text, at))) matches.emplace_back(begin, at);
  }
  return matches;
}

Behavior parse_behavior(const nlohmann::json& spec, const ComponentSource& source) {
  const std::string name = required_field(spec, "behavior", source).get<std::string>();
  if (name == "Removed") return Behavior::Removed;
  if (name == "Isolated") return Behavior::Isolated;
  if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::MergedWithNext;
  if (name == "Contiguous") return Behavior::Contiguous;
  unsupported_component(name, {source.file, "Split behavior"},
                        {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"});
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? new Regex(kGpt2Pattern, "ByteLevel") : nullptr) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    if (add_prefix_space_) {
      for (auto& piece : pieces) {
        if (piece.text.empty() || piece.text.front() != ' ') piece.text.insert(0, 1, ' ');
      }
    }
    if (regex_) {
      split_pieces(pieces, Behavior::Isolated, false,
                   [this](std::string_view text) { return regex_->find_all(text); });
    }
    for (auto& piece : pieces) piece.text = bytes_to_unicode_text(piece.text);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Split : public PreTokenizer {
 public:
  Split(const std::string& pattern, Behavior behavior, bool invert, const std::string& where)
      : regex_(pattern, where), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, behavior_, invert_, [this](std::string_view text) { return regex_.find_all(text); });
  }

 private:
  Regex regex_;
  Behavior behavior_;
  bool invert_;
};

class Digits : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, individual_ ? Behavior::Isolated : Behavior::Contiguous, false,
                 [](std::string_view text) {
                   return character_matches(text, [](char32_t c) { return c >= '0' && c <= '9'; });
                 });
  }

 private:
  bool individual_;
};

enum class PrependScheme { Always, First, Never };

class Metaspace : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {
    size_t at = 0;
    replacement_code_point_ = replacement_.empty() ? 0 : next_code_point(replacement_, at);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (auto& piece : pieces) {
      std::string text;
      for (char c : piece.text) {
        if (c == ' ') {
          text += replacement_;
        } else {
          text += c;
        }
      }
      const bool starts_with_replacement = text.compare(0, replacement_.size(), replacement_) == 0;
      const bool prepend =
          scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && piece.at_text_start);
      if (prepend && !starts_with_replacement) text.insert(0, replacement_);
      piece.text = std::move(text);
    }
    if (split_) {
      const char32_t replacement = replacement_code_point_;
      split_pieces(pieces, Behavior::MergedWithNext, false, [replacement](std::string_view text) {
        return character_matches(text, [replacement](char32_t c) { return c == replacement; });
      });
    }
  }

 private:
  std::string replacement_;
  char32_t replacement_code_point_ = 0;
  PrependScheme scheme_;
  bool split_;
};

// Whitespace: `\w+|[^\w\s]+` pieces; WhitespaceSplit: runs of non-whitespace.
class RegexPieces : public PreTokenizer {
 public:
  RegexPieces(const std::string& pattern, Behavior behavior, bool invert)
      : regex_(pattern, "pre-tokenizer"), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, behavior_, invert_, [this](std::string_view text) { return regex_.find_all(text); });
  }

 private:
  Regex regex_;
  Behavior behavior_;
  bool invert_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

PrependScheme parse_prepend_scheme(const nlohmann::json& spec, const ComponentSource& source) {
  if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()) {
    const std::string name = spec["prepend_scheme"].get<std::string>();
    if (name == "always") return PrependScheme::Always;
    if (name == "first") return PrependScheme::First;
    if (name == "never") return PrependScheme::Never;
    unsupported_component(name, {source.file, "Metaspace prepend_scheme"}, {"always", "first", "never"});
  }
  return spec.value("add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;  // older files
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const std::string& file) {
  if (spec.is_null()) return nullptr;
  const ComponentSource source{file, "pre_tokenizer"};
  const std::string type = component_type(spec, source);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(spec.value("add_prefix_space", true), spec.value("use_regex", true));
  }
  if (type == "Split") {
    return std::make_unique<Split>(pattern_regex(spec, source), parse_behavior(spec, source),
                                   spec.value("invert", false), file + ": pre_tokenizer Split");
  }
  if (type == "Digits") return std::make_unique<Digits>(spec.value("individual_digits", false));
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(spec.value("replacement", std::string("\xE2\x96\x81")),
                                       parse_prepend_scheme(spec, source), spec.value("split", true));
  }
  if (type == "Whitespace") return std::make_unique<RegexPieces>(R"(\w+|[^\w\s]+)", Behavior::Removed, true);
  if (type == "WhitespaceSplit") return std::make_unique<RegexPieces>(R"(\S+)", Behavior::Removed, true);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& step : required_field(spec, "pretokenizers", source)) {
      if (auto pre_tokenizer = make_pre_tokenizer(step, file)) steps.push_back(std::move(pre_tokenizer));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  unsupported_component(
      type, source,
      {"ByteLevel", "Split", "Digits", "Metaspace", "Whitespace", "WhitespaceSplit", "Sequence"});
}

std::unique_ptr<PreTokenizer> make_gpt2_pre_tokenizer() {
  return std::make_unique<ByteLevel>(false, true);
}

}  // namespace grpo::hf
