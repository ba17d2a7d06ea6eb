#include "datasets/text_snippet.h"

#include <fmt/format.h>

namespace grpo {

std::string snippet(std::string_view text, size_t max_chars) {
  std::string out = "\"";
  size_t taken = 0;
  for (; taken < text.size() && taken < max_chars; ++taken) {
    unsigned char c = static_cast<unsigned char>(text[taken]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  // Do not cut a UTF-8 sequence in half: drop continuation bytes left dangling at the end.
  if (taken < text.size()) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0xC0) out.pop_back();
  }
  out += "\"";
  if (taken < text.size()) out += "...";
  return out;
}

}  // namespace grpo
