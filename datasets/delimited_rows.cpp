// CSV and TSV: a header row naming the fields, then one record per row. Fields may be quoted ("..."), with ""
// for a quote inside, and may then hold the delimiter and newlines (RFC 4180; the same rules for tabs).
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <vector>

#include "core/error.h"
#include "datasets/row_reader.h"
#include "datasets/text_snippet.h"

namespace grpo {

namespace {

struct Record {
  std::vector<std::string> fields;
  std::string text;     // the record as read, for snippets
  size_t line = 0;      // where it starts
  std::string problem;  // non-empty when malformed
  bool at_end = false;  // no record: the file ended
  bool unterminated = false;
};

// Reads one record: fields up to an unquoted newline (or the end of the file).
class RecordReader {
 public:
  RecordReader(std::istream& in, char delimiter) : in_(in), delimiter_(delimiter) {}

  Record next() {
    Record record;
    record.line = line_;
    int c = in_.get();
    if (c == EOF) {
      record.at_end = true;
      return record;
    }
    std::string field;
    bool quoted = false;      // inside a quoted field
    bool was_quoted = false;  // this field started with a quote
    bool field_started = false;
    for (;; c = in_.get()) {
      if (c == EOF) {
        if (quoted) {
          record.unterminated = true;
          record.problem = fmt::format("a quoted field opened on line {} is never closed", quote_line_);
        }
        record.fields.push_back(std::move(field));
        return record;
      }
      char ch = static_cast<char>(c);
      record.text += ch;
      if (ch == '\n') ++line_;
      if (quoted) {
        if (ch == '"') {
          if (in_.peek() == '"') {
            in_.get();
            record.text += '"';
            field += '"';
          } else {
            quoted = false;
          }
        } else {
          field += ch;
        }
        continue;
      }
      if (ch == '"' && !field_started) {
        quoted = was_quoted = field_started = true;
        quote_line_ = line_;
        continue;
      }
      if (ch == delimiter_) {
        record.fields.push_back(std::move(field));
        field.clear();
        was_quoted = field_started = false;
        continue;
      }
      if (ch == '\r' && in_.peek() == '\n') continue;  // CRLF ends the record at the '\n'
      if (ch == '\n') {
        record.fields.push_back(std::move(field));
        if (!record.text.empty() && record.text.back() == '\n') record.text.pop_back();
        return record;
      }
      if (was_quoted) {
        if (record.problem.empty()) {
          record.problem = fmt::format("text after the closing quote of field {}", record.fields.size() + 1);
        }
        field += ch;
        continue;
      }
      if (ch == '"' && record.problem.empty()) {
        record.problem =
            fmt::format("a quote inside unquoted field {} (quote the whole field and double the quote)",
                        record.fields.size() + 1);
      }
      field += ch;
      field_started = true;
    }
  }

 private:
  std::istream& in_;
  char delimiter_;
  size_t line_ = 1;
  size_t quote_line_ = 1;
};

bool is_blank(const Record& record) {
  return record.fields.size() == 1 && record.fields[0].find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

void read_delimited_rows(const std::filesystem::path& path, char delimiter, const RowHandler& on_row,
                         const BadRecordHandler& on_bad) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open data file '{}'", path.string());
  const std::string name = path.filename().string();
  const char* kind = delimiter == '\t' ? "TSV" : "CSV";
  RecordReader reader(in, delimiter);

  Record header = reader.next();
  while (!header.at_end && is_blank(header)) header = reader.next();
  if (header.at_end)
    fail("data file '{}' is empty: a {} file needs a header row and at least one row", path.string(), kind);
  if (!header.fields.empty() && header.fields[0].rfind("\xEF\xBB\xBF", 0) == 0) header.fields[0].erase(0, 3);
  if (!header.problem.empty())
    fail("{}:{}: bad header row: {}: {}", path.string(), header.line, header.problem, snippet(header.text));
  std::set<std::string> seen;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    if (header.fields[i].empty())
      fail("{}:{}: header field {} is empty; every column needs a name: {}", path.string(), header.line,
           i + 1, snippet(header.text));
    if (!seen.insert(header.fields[i]).second)
      fail("{}:{}: header names field '{}' twice: {}", path.string(), header.line, header.fields[i],
           snippet(header.text));
  }

  for (;;) {
    Record record = reader.next();
    if (record.at_end) break;
    if (is_blank(record)) continue;
    const std::string where = fmt::format("{}:{}", path.string(), record.line);
    if (!record.problem.empty()) {
      on_bad({fmt::format("{}: {}: {}", where, record.problem, snippet(record.text)), record.line});
      if (record.unterminated)
        fail("{}: the rest of the file is inside an unterminated quote; nothing after line {} can be read",
             where, record.line);
      continue;
    }
    if (record.fields.size() != header.fields.size()) {
      on_bad({fmt::format(
                  "{}: {} fields, but the header has {} ({}); quote fields that contain the delimiter: {}",
                  where, record.fields.size(), header.fields.size(), fmt::join(header.fields, ", "),
                  snippet(record.text)),
              record.line});
      continue;
    }
    nlohmann::json fields = nlohmann::json::object();
    for (size_t i = 0; i < header.fields.size(); ++i) fields[header.fields[i]] = std::move(record.fields[i]);
    on_row(RawRow{std::move(fields), record.line, where, fmt::format("{}:{}", name, record.line)});
  }
  if (in.bad()) fail("error while reading '{}'", path.string());
}

}  // namespace grpo
