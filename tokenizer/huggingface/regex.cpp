#include "tokenizer/huggingface/regex.h"

#include <oniguruma.h>

#include <mutex>

#include "core/error.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {

struct Regex::Compiled {
  regex_t* regex = nullptr;
};

namespace {

void initialize_oniguruma() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

struct Region {
  OnigRegion* region = onig_region_new();
  ~Region() { onig_region_free(region, 1); }
};

}  // namespace

Regex::Regex(const std::string& pattern, const std::string& where) : compiled_(new Compiled) {
  initialize_oniguruma();
  OnigErrorInfo info;
  const auto* begin = reinterpret_cast<const OnigUChar*>(pattern.data());
  const int status = onig_new(&compiled_->regex, begin, begin + pattern.size(), ONIG_OPTION_NONE,
                              ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
  if (status != ONIG_NORMAL) {
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, status, &info);
    fail("{}: the regex '{}' does not compile: {}", where, pattern, reinterpret_cast<const char*>(message));
  }
}

Regex::~Regex() {
  if (compiled_->regex) onig_free(compiled_->regex);
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  Region region;
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = begin + text.size();
  size_t from = 0;
  bool has_last_match = false;
  size_t last_match_end = 0;
  while (from <= text.size()) {
    onig_region_clear(region.region);
    const int found =
        onig_search(compiled_->regex, begin, end, begin + from, end, region.region, ONIG_OPTION_NONE);
    if (found < 0) break;
    const auto match_begin = static_cast<size_t>(region.region->beg[0]);
    const auto match_end = static_cast<size_t>(region.region->end[0]);
    if (match_begin == match_end && has_last_match && last_match_end == match_end) {
      from += from < text.size() ? utf8_length(static_cast<unsigned char>(text[from])) : 1;
      continue;
    }
    from = match_end;
    has_last_match = true;
    last_match_end = match_end;
    matches.emplace_back(match_begin, match_end);
  }
  return matches;
}

std::string Regex::replace_all(std::string_view text, std::string_view replacement) const {
  std::string out;
  size_t previous = 0;
  for (const auto& [begin, end] : find_all(text)) {
    out.append(text.substr(previous, begin - previous));
    out.append(replacement);
    previous = end;
  }
  out.append(text.substr(previous));
  return out;
}

std::string escape_regex(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace grpo::hf
