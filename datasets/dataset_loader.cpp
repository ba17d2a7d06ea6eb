#include "datasets/dataset_loader.h"

#include <fmt/format.h>

#include <optional>

#include "core/error.h"
#include "datasets/data_format.h"
#include "datasets/row_reader.h"

namespace grpo {

namespace {

constexpr size_t kProblemsKept = 5;

// Stops reading once max_rows good rows are in.
struct EnoughRows {};

}  // namespace

std::string LoadReport::summary() const {
  std::string text = fmt::format("{}: {} row{} ({}), {}", path, rows, rows == 1 ? "" : "s", format, mapping);
  if (skipped > 0) {
    text += fmt::format("; {} bad row{} skipped (first: {})", skipped, skipped == 1 ? "" : "s",
                        first_problems.empty() ? "?" : first_problems.front());
  }
  if (unreadable_golds > 0) {
    text += fmt::format(
        "\nwarning: {} row{} of {} {} a gold answer that does not read as an answer, so the accuracy reward "
        "scores every completion 0 there (name the field that holds the final answer with --answer-field); "
        "first: {}",
        unreadable_golds, unreadable_golds == 1 ? "" : "s", path, unreadable_golds == 1 ? "has" : "have",
        first_unreadable_golds.empty() ? "?" : first_unreadable_golds.front());
  }
  return text;
}

LoadedExamples load_examples(const std::filesystem::path& path, const LoadOptions& options) {
  DataFormat format = options.format == "auto" ? detect_data_format(path) : parse_data_format(options.format);
  LoadedExamples loaded;
  LoadReport& report = loaded.report;
  report.path = path.string();
  report.format = data_format_name(format);
  std::optional<FieldMapping> mapping;

  auto skip_or_fail = [&](const std::string& message) {
    if (!options.skip_bad_rows)
      fail("{}\n(to skip bad rows and count them instead, use --skip-bad-rows)", message);
    ++report.skipped;
    if (report.first_problems.size() < kProblemsKept) report.first_problems.push_back(message);
  };
  auto on_row = [&](RawRow&& row) {
    std::string where = row.where;
    try {
      if (!mapping) {
        mapping = recognise_fields(row.fields, options.fields, where);
        report.mapping = mapping->describe();
      }
      std::string gold_warning;
      loaded.examples.push_back(make_example(std::move(row), *mapping, &gold_warning));
      if (!gold_warning.empty()) {
        ++report.unreadable_golds;
        if (report.first_unreadable_golds.size() < kProblemsKept) {
          report.first_unreadable_golds.push_back(std::move(gold_warning));
        }
      }
    } catch (const Error& e) {
      // The first good row decides the mapping; when it cannot, the fields must be named (or the row
      // skipped).
      if (!mapping && !options.skip_bad_rows) throw;
      skip_or_fail(e.what());
      return;
    }
    if (options.max_rows > 0 && loaded.examples.size() >= options.max_rows) throw EnoughRows{};
  };
  auto on_bad = [&](const BadRecord& bad) { skip_or_fail(bad.message); };

  try {
    read_rows(path, format, on_row, on_bad);
  } catch (const EnoughRows&) {
  }
  report.rows = loaded.examples.size();
  if (loaded.examples.empty()) {
    if (report.skipped > 0) {
      fail("'{}' has no usable rows: all {} were bad; the first: {}", path.string(), report.skipped,
           report.first_problems.front());
    }
    fail("'{}' has no rows: a data set needs at least one question with its answer", path.string());
  }
  return loaded;
}

}  // namespace grpo
