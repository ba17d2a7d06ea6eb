// Loading a question/answer data file (JSONL, JSON array, CSV, TSV) into Examples, row by row, with the field
// mapping recognised or given, and bad rows either refused with a clear message or skipped and counted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "datasets/example.h"
#include "datasets/field_mapping.h"

namespace grpo {

struct LoadOptions {
  std::string format = "auto";  // auto | jsonl | json | csv | tsv
  FieldOptions fields;
  bool skip_bad_rows =
      false;            // skip malformed rows and rows missing a field, and count them, instead of failing
  size_t max_rows = 0;  // stop after this many good rows (0: all)
};

struct LoadReport {
  std::string path;
  std::string format;                       // as read: jsonl | json | csv | tsv
  std::string mapping;                      // FieldMapping::describe()
  size_t rows = 0;                          // examples loaded
  size_t skipped = 0;                       // bad rows skipped (only with skip_bad_rows)
  std::vector<std::string> first_problems;  // the messages of the first few skipped rows
  size_t unreadable_golds = 0;              // rows whose gold answer does not read as an answer (kept)
  std::vector<std::string> first_unreadable_golds;  // "where: field 'answer' holds ...: why", the first few

  // "train.jsonl: 7473 rows, gsm8k (question <- 'question', ...); 2 bad rows skipped (first: ...)", then a
  // warning line when gold answers do not read as answers (the accuracy reward would score those rows 0).
  std::string summary() const;
};

struct LoadedExamples {
  std::vector<Example> examples;
  LoadReport report;
};

// Throws grpo::Error for a missing or unreadable file, the first bad row (unless skip_bad_rows), and a data
// set with no usable rows.
LoadedExamples load_examples(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace grpo
