// Follows a growing JSON lines file (tail -f): each poll returns the objects of the lines completed since the
// last.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "logs/json_lines.h"

namespace grpo::logs {

class JsonLinesTail {
 public:
  // Starts at the beginning of the file; the file may not exist yet.
  explicit JsonLinesTail(std::filesystem::path path);

  // Whole lines added since the last poll. A line still being written waits for its newline. A file that
  // shrank (rewritten) is read again from its start.
  JsonLines poll();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  uint64_t offset_ = 0;      // bytes consumed, through the last whole line
  uint64_t line_count_ = 0;  // whole lines consumed, for warnings' line numbers
};

}  // namespace grpo::logs
