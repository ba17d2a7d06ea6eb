#include "logs/json_lines_tail.h"

#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace grpo::logs {

namespace fs = std::filesystem;

JsonLinesTail::JsonLinesTail(fs::path path) : path_(std::move(path)) {}

namespace {
JsonLines poll_failed(const fs::path& path, const std::string& why) {
  JsonLines result;
  result.warnings.push_back(fmt::format("{}: {}", path.string(), why));
  return result;
}
}  // namespace

JsonLines JsonLinesTail::poll() {
  std::error_code ec;
  uint64_t size = fs::file_size(path_, ec);
  if (ec) return {};  // not there yet
  if (size < offset_) {
    offset_ = 0;
    line_count_ = 0;
  }
  if (size == offset_) return {};
  std::ifstream in(path_, std::ios::binary);
  if (!in) return poll_failed(path_, "cannot open it to follow");
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string added(size - offset_, '\0');
  in.read(added.data(), static_cast<std::streamsize>(added.size()));
  added.resize(static_cast<size_t>(in.gcount()));
  size_t last_newline = added.rfind('\n');
  if (last_newline == std::string::npos) return {};
  added.resize(last_newline + 1);
  JsonLines lines = parse_json_lines(added, path_.string(), line_count_ + 1);
  for (char c : added) line_count_ += c == '\n';
  offset_ += added.size();
  return lines;
}

}  // namespace grpo::logs
