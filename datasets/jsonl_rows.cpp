// JSONL: one JSON object per line, read line by line.
#include <fmt/format.h>

#include <fstream>

#include "core/error.h"
#include "datasets/row_reader.h"
#include "datasets/text_snippet.h"

namespace grpo {

namespace {

const char* json_type_name(const nlohmann::json& value) {
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_number()) return "a number";
  if (value.is_boolean()) return "a boolean";
  if (value.is_null()) return "null";
  return "an object";
}

// "parse error at line 1, column 7: syntax error ..." -> "column 7: syntax error ...": the line is ours to
// give.
std::string without_line_one(std::string message) {
  const std::string prefix = "parse error at line 1, ";
  if (message.rfind(prefix, 0) == 0) return message.substr(prefix.size());
  return message;
}

}  // namespace

void read_jsonl_rows(const std::filesystem::path& path, const RowHandler& on_row,
                     const BadRecordHandler& on_bad) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open data file '{}'", path.string());
  const std::string name = path.filename().string();
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path.string(), line_number);
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      on_bad({fmt::format("{}: not valid JSON ({}): {}", where, without_line_one(describe_json_error(e)),
                          snippet(line)),
              line_number});
      continue;
    }
    if (!value.is_object()) {
      on_bad({fmt::format("{}: expected one JSON object per line, found {}: {}", where, json_type_name(value),
                          snippet(line)),
              line_number});
      continue;
    }
    on_row(RawRow{std::move(value), line_number, where, fmt::format("{}:{}", name, line_number)});
  }
  if (in.bad()) fail("error while reading '{}' after line {}", path.string(), line_number);
}

}  // namespace grpo
