// JSON lines: an appender that writes and flushes one object per line, and a tolerant reader that skips a
// torn last line (a run killed mid-write) or a corrupt line with a warning instead of refusing the file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace grpo::logs {

using Json = nlohmann::ordered_json;  // keeps keys in the order they were written

// One JSON line, without the newline. Invalid UTF-8 in strings (a token cut inside a character) becomes
// U+FFFD rather than an error, so untrusted model text can always be logged.
std::string to_json_line(const Json& object);
std::string to_json_line(const nlohmann::json& object);

// Appends one JSON object per line to a file (metrics.jsonl, eval.jsonl). Each line goes out in a single
// write() on an O_APPEND descriptor, so a reader sees whole lines, or at worst a torn last one after a crash.
class JsonlAppender {
 public:
  // Creates the file (and its folder) when absent. A file left ending in a torn line by a killed run is cut
  // back to its last whole line first, so the next line is not glued to the torn one (see
  // torn_bytes_dropped()). sync_each_line: fsync after each line (slower; survives power loss, not only a
  // killed process).
  explicit JsonlAppender(std::filesystem::path path, bool sync_each_line = false);
  ~JsonlAppender();
  JsonlAppender(const JsonlAppender&) = delete;
  JsonlAppender& operator=(const JsonlAppender&) = delete;
  JsonlAppender(JsonlAppender&& other) noexcept;
  JsonlAppender& operator=(JsonlAppender&& other) noexcept;

  // Throws grpo::Error unless `object` is a JSON object.
  void append(const Json& object);
  void append(const nlohmann::json& object);

  const std::filesystem::path& path() const { return path_; }
  size_t torn_bytes_dropped() const { return torn_bytes_dropped_; }

 private:
  void append_line(std::string line);
  void close();

  std::filesystem::path path_;
  int fd_ = -1;
  bool sync_each_line_ = false;
  size_t torn_bytes_dropped_ = 0;
};

struct JsonLines {
  std::vector<Json> objects;
  std::vector<std::string> warnings;  // "FILE:LINE: what was skipped and why"
};

// Parses JSON lines. Blank lines are skipped silently; a line that is not a JSON object is skipped with a
// warning naming `source` and the line number (the last line, when it lacks its newline, is reported as
// torn). `first_line_number` numbers the first line of `text` (when it continues a file already read).
JsonLines parse_json_lines(std::string_view text, const std::string& source, size_t first_line_number = 1);

// Reads a .jsonl file, or a gzipped one (.jsonl.gz, detected by its magic bytes). Throws grpo::Error when the
// file cannot be read at all; a gzip stream cut short gives what it held plus a warning.
JsonLines read_json_lines(const std::filesystem::path& path);

}  // namespace grpo::logs
