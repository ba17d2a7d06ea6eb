#include "datasets/row_reader.h"

namespace grpo {

void read_rows(const std::filesystem::path& path, DataFormat format, const RowHandler& on_row,
               const BadRecordHandler& on_bad) {
  switch (format) {
    case DataFormat::jsonl:
      return read_jsonl_rows(path, on_row, on_bad);
    case DataFormat::json_array:
      return read_json_array_rows(path, on_row, on_bad);
    case DataFormat::csv:
      return read_delimited_rows(path, ',', on_row, on_bad);
    case DataFormat::tsv:
      return read_delimited_rows(path, '\t', on_row, on_bad);
  }
}

std::string describe_json_error(const std::exception& error) {
  std::string text = error.what();
  if (text.rfind("[json.exception.", 0) == 0) {
    size_t close = text.find("] ");
    if (close != std::string::npos) text = text.substr(close + 2);
  }
  return text;
}

}  // namespace grpo
