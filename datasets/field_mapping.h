// Which fields of a row hold the question and the gold answer: given by the user, or recognised from the
// common shapes (GSM8K, MATH / MATH-500, Countdown, generic question/answer); and turning a row into an
// Example.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "datasets/example.h"
#include "datasets/row_reader.h"

namespace grpo {

struct FieldOptions {
  std::string question_field;          // empty: recognise
  std::string answer_field;            // empty: recognise
  std::string answer_format = "auto";  // auto ("#### N", then \boxed{}, then the text) | gsm8k | boxed | raw
};

struct FieldMapping {
  std::string shape;                       // "gsm8k", "math", "countdown", "question/answer", "custom"
  std::string question_field;              // for countdown: used when present, else the question is written
  std::vector<std::string> answer_fields;  // the first one present in a row holds its answer
  std::string answer_format = "auto";
  std::string numbers_field;  // countdown only
  std::string target_field;   // countdown only

  // One line for logs: "gsm8k (question <- 'question', answer <- 'answer' after ####)".
  std::string describe() const;
};

// Decides the mapping from the options and the data set's first row; throws listing the row's fields when the
// question or the answer cannot be found.
FieldMapping recognise_fields(const nlohmann::json& first_row, const FieldOptions& options,
                              const std::string& where);

// Row -> Example. Throws "where: what is wrong" (a missing field lists the fields the row has). When the gold
// answer does not read as an answer (see unreadable_gold_reason), *gold_warning (if given) gets "where: field
// 'NAME' holds ...: why"; else it is left empty.
Example make_example(RawRow&& row, const FieldMapping& mapping, std::string* gold_warning = nullptr);

// "a, b, c": a row's field names, for error messages.
std::string field_names(const nlohmann::json& row);

}  // namespace grpo
