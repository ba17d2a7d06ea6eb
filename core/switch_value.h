// Options that take true, false or auto (--bf16, --recompute-old-logprobs): the value resolved.
#pragma once

#include <string>

#include "core/error.h"

namespace grpo {

// "true" | "false" | "auto" -> true, false, or `automatic`; anything else is an error naming `option`.
inline bool switch_value(const std::string& option, const std::string& value, bool automatic) {
  if (value == "true") return true;
  if (value == "false") return false;
  if (value == "auto") return automatic;
  fail("{} '{}' is not known: use true, false or auto", option, value);
}

}  // namespace grpo
