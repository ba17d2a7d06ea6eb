// The file formats a question/answer data set can come in, and telling them apart.
#pragma once

#include <filesystem>
#include <string>

namespace grpo {

enum class DataFormat {
  jsonl,       // one JSON object per line
  json_array,  // one JSON array of objects
  csv,         // comma-separated, a header row, RFC 4180 quoting
  tsv,         // tab-separated, a header row, the same quoting
};

// "jsonl" | "json" | "csv" | "tsv" -> DataFormat; throws listing the names otherwise. ("auto" is not a
// format: callers check for it and call detect_data_format.)
DataFormat parse_data_format(const std::string& name);
std::string data_format_name(DataFormat format);

// From the extension (.jsonl .ndjson .json .csv .tsv .tab), and for .json or an unknown extension from the
// first non-blank character ('[' array, '{' lines of objects). Throws naming the file when it cannot tell.
DataFormat detect_data_format(const std::filesystem::path& path);

}  // namespace grpo
