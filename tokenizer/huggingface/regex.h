// Regex: an Oniguruma regular expression, compiled as Hugging Face `tokenizers` compiles its patterns (the
// default Oniguruma syntax, UTF-8, no options), so `\p{L}`, `\s` and lookahead mean exactly what they mean
// there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grpo::hf {

class Regex {
 public:
  // `where` names the pattern's origin for the error a bad pattern raises.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Non-overlapping matches as [begin, end) byte offsets into `text`, found as the Rust `onig` crate's
  // find_iter finds them (an empty match right after the previous match is skipped).
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

  // `text` with every match replaced by `replacement`.
  std::string replace_all(std::string_view text, std::string_view replacement) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// The pattern that matches `literal` exactly (for Split/Replace with a "String" pattern).
std::string escape_regex(std::string_view literal);

}  // namespace grpo::hf
