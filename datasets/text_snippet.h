// A short, one-line, printable excerpt of some text, for error messages about bad input.
#pragma once

#include <string>
#include <string_view>

namespace grpo {

// At most `max_chars` bytes of `text`, with newlines and control characters escaped, quoted, and "..." when
// cut.
std::string snippet(std::string_view text, size_t max_chars = 80);

}  // namespace grpo
