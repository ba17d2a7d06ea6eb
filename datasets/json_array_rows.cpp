// A JSON array of objects, parsed element by element (each element is handed on and dropped at once), with a
// stream wrapper that counts lines so that an element can be named by the line it starts on.
#include <fmt/format.h>

#include <fstream>
#include <streambuf>

#include "core/error.h"
#include "datasets/row_reader.h"
#include "datasets/text_snippet.h"

namespace grpo {

namespace {

// Passes characters through from another buffer one at a time, counting the newlines taken.
class LineCountingBuffer : public std::streambuf {
 public:
  explicit LineCountingBuffer(std::streambuf* source) : source_(source) {}
  size_t line() const { return line_; }

 protected:
  int_type underflow() override { return source_->sgetc(); }
  int_type uflow() override {
    int_type c = source_->sbumpc();
    if (c == traits_type::to_int_type('\n')) ++line_;
    return c;
  }

 private:
  std::streambuf* source_;
  size_t line_ = 1;
};

}  // namespace

void read_json_array_rows(const std::filesystem::path& path, const RowHandler& on_row,
                          const BadRecordHandler& on_bad) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail("cannot open data file '{}'", path.string());
  const std::string name = path.filename().string();
  LineCountingBuffer counting(file.rdbuf());
  std::istream in(&counting);

  using Event = nlohmann::json::parse_event_t;
  size_t index = 0;       // elements seen so far
  size_t start_line = 0;  // line where the current element began
  bool top_level_seen = false;
  auto callback = [&](int depth, Event event, nlohmann::json& parsed) -> bool {
    if (depth == 0 && !top_level_seen) {
      top_level_seen = true;
      if (event != Event::array_start) {
        fail(
            "{}:{}: expected a JSON array of objects ([{{...}}, {{...}}]); this file starts with something "
            "else",
            path.string(), counting.line());
      }
      return true;
    }
    if (depth != 1) return true;
    if (event == Event::object_start || event == Event::array_start) {
      start_line = counting.line();
      return true;
    }
    if (event == Event::value) start_line = counting.line();
    if (event == Event::object_end) {
      on_row(RawRow{std::move(parsed), start_line, fmt::format("{}:{}", path.string(), start_line),
                    fmt::format("{}[{}]", name, index)});
      ++index;
      return false;  // dropped from the array being built: only one element is held at a time
    }
    if (event == Event::array_end || event == Event::value) {
      on_bad({fmt::format("{}:{}: element {} of the array is not an object: {}", path.string(), start_line,
                          index, snippet(parsed.dump())),
              start_line});
      ++index;
      return false;
    }
    return true;
  };
  try {
    [[maybe_unused]] nlohmann::json emptied =
        nlohmann::json::parse(in, callback);  // every element was dropped
  } catch (const nlohmann::json::exception& e) {
    fail(
        "{}:{}: not valid JSON ({}); a JSON array must be valid as a whole, so no row after element {} can "
        "be read",
        path.string(), counting.line(), describe_json_error(e), index);
  }
}

}  // namespace grpo
