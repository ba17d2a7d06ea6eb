#include "tokenizer/training_corpus.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace grpo {

namespace {

std::string field_names(const nlohmann::json& row) {
  std::string names;
  for (const auto& item : row.items()) names += (names.empty() ? "" : ", ") + item.key();
  return names.empty() ? "none" : names;
}

int64_t append_lines(const std::string& value, std::ostream& out) {
  int64_t lines = 0;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find('\n', start);
    if (end == std::string::npos) end = value.size();
    std::string line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) {
      out << line << '\n';
      ++lines;
    }
    start = end + 1;
  }
  return lines;
}

}  // namespace

int64_t append_jsonl_fields(const std::filesystem::path& jsonl_file, const std::vector<std::string>& fields,
                            std::ostream& out) {
  std::ifstream in(jsonl_file, std::ios::binary);
  if (!in) fail("cannot open dataset '{}': {}", jsonl_file.string(), std::strerror(errno));
  int64_t written = 0;
  int64_t line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail("{}:{}: not valid JSON ({}); a .jsonl dataset holds one JSON object per line", jsonl_file.string(),
           line_number, e.what());
    }
    if (!row.is_object()) {
      fail("{}:{}: a row must be a JSON object, found {}", jsonl_file.string(), line_number, row.type_name());
    }
    for (const std::string& field : fields) {
      auto value = row.find(field);
      if (value == row.end()) {
        fail("{}:{}: no field '{}' (the row has: {}); choose fields with --fields", jsonl_file.string(),
             line_number, field, field_names(row));
      }
      if (value->is_string()) {
        written += append_lines(value->get<std::string>(), out);
      } else if (value->is_number() || value->is_boolean()) {
        written += append_lines(value->dump(), out);
      } else {
        fail("{}:{}: field '{}' is {}, not text", jsonl_file.string(), line_number, field,
             value->type_name());
      }
    }
  }
  if (in.bad()) fail("error while reading dataset '{}'", jsonl_file.string());
  return written;
}

}  // namespace grpo
