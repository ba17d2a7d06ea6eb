// gzip compression of whole texts in memory (zlib), and reading a file that may or may not be gzipped.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace grpo::logs {

// The gzip format (RFC 1952) of `data`; `level` 1 (fast) to 9 (small).
std::string gzip_compress(std::string_view data, int level = 6);

struct Decompressed {
  std::string text;
  bool complete = true;  // false when the data ended early or was corrupt: `text` holds what came before
  std::string problem;   // zlib's words for what went wrong
};
// Inflates gzip data (one or more members, as `cat a.gz b.gz` makes).
Decompressed gzip_decompress(std::string_view data);

bool looks_gzipped(std::string_view data);

// Reads a file, inflating it when it starts with the gzip magic bytes; `complete` as above.
Decompressed read_maybe_gzipped(const std::filesystem::path& path);

// Writes `source` gzipped to `target` atomically (never a torn .gz), then removes `source`.
void gzip_file_in_place(const std::filesystem::path& source, const std::filesystem::path& target,
                        int level = 6);

}  // namespace grpo::logs
