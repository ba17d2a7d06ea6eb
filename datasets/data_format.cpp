#include "datasets/data_format.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "core/error.h"

namespace grpo {

namespace fs = std::filesystem;

DataFormat parse_data_format(const std::string& name) {
  if (name == "jsonl" || name == "ndjson") return DataFormat::jsonl;
  if (name == "json") return DataFormat::json_array;
  if (name == "csv") return DataFormat::csv;
  if (name == "tsv") return DataFormat::tsv;
  fail("unknown data format '{}'; known formats: auto, jsonl, json, csv, tsv", name);
}

std::string data_format_name(DataFormat format) {
  switch (format) {
    case DataFormat::jsonl:
      return "jsonl";
    case DataFormat::json_array:
      return "json";
    case DataFormat::csv:
      return "csv";
    case DataFormat::tsv:
      return "tsv";
  }
  return "?";
}

namespace {

// The first character that is not whitespace or a UTF-8 byte-order mark, or '\0' for an empty file.
char first_meaningful_char(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open data file '{}'", path.string());
  char c = 0;
  while (in.get(c)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isspace(u) || u == 0xEF || u == 0xBB || u == 0xBF) continue;
    return c;
  }
  return '\0';
}

}  // namespace

DataFormat detect_data_format(const fs::path& path) {
  if (!fs::exists(path)) fail("data file '{}' does not exist", path.string());
  if (fs::is_directory(path))
    fail("'{}' is a directory; give a data file (.jsonl, .json, .csv or .tsv)", path.string());
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".jsonl" || extension == ".ndjson") return DataFormat::jsonl;
  if (extension == ".csv") return DataFormat::csv;
  if (extension == ".tsv" || extension == ".tab") return DataFormat::tsv;
  char first = first_meaningful_char(path);
  if (first == '[') return DataFormat::json_array;
  if (first == '{') return DataFormat::jsonl;
  if (first == '\0') fail("data file '{}' is empty: a data set needs at least one row", path.string());
  fail(
      "cannot tell the format of '{}' (extension '{}', first character '{}'); name it with --data-format "
      "jsonl|json|csv|tsv",
      path.string(), extension, first);
}

}  // namespace grpo
