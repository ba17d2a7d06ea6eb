#include "rewards/json_excerpt.h"

#include "rewards/text_scan.h"

namespace grpo {

std::string json_excerpt(const nlohmann::json& value, size_t max_bytes) {
  return text::printable(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), max_bytes);
}

}  // namespace grpo
