// Reading a data file one row at a time (JSONL, JSON array, CSV, TSV), so that a large file is never held
// whole. Each row becomes a JSON object; a malformed record is reported with its file and line and a snippet.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "datasets/data_format.h"

namespace grpo {

struct RawRow {
  nlohmann::json fields;  // a JSON object: every field of the row (CSV/TSV values are strings)
  size_t line = 0;        // 1-based line where the row starts
  std::string where;      // "path:line" for messages
  std::string id;         // "file.jsonl:17" (file name and line), or "file.json[16]" for an array element
};

// A record that could not be read; `message` reads "path:line: what is wrong: \"snippet\"".
struct BadRecord {
  std::string message;
  size_t line = 0;
};

using RowHandler = std::function<void(RawRow&& row)>;
// Called for each malformed record: return to skip it and read on, or throw to stop.
using BadRecordHandler = std::function<void(const BadRecord& bad)>;

// Reads every row of `path` in order. Blank lines are skipped. A problem that leaves the rest of the file
// unreadable (a JSON array that does not parse, an unterminated quote) throws after reporting what was read.
void read_rows(const std::filesystem::path& path, DataFormat format, const RowHandler& on_row,
               const BadRecordHandler& on_bad);

// The per-format readers behind read_rows.
void read_jsonl_rows(const std::filesystem::path& path, const RowHandler& on_row,
                     const BadRecordHandler& on_bad);
void read_json_array_rows(const std::filesystem::path& path, const RowHandler& on_row,
                          const BadRecordHandler& on_bad);
void read_delimited_rows(const std::filesystem::path& path, char delimiter, const RowHandler& on_row,
                         const BadRecordHandler& on_bad);

// nlohmann's parse error without its "[json.exception.parse_error.101] " prefix.
std::string describe_json_error(const std::exception& error);

}  // namespace grpo
