#include "datasets/field_mapping.h"

#include <fmt/format.h>

#include <optional>

#include "core/error.h"
#include "datasets/countdown_rules.h"
#include "datasets/gold_answer.h"
#include "datasets/text_snippet.h"

namespace grpo {

namespace {

const std::vector<std::string> kQuestionNames = {"question", "problem",     "prompt",
                                                 "query",    "instruction", "input"};
const std::vector<std::string> kAnswerNames = {"answer", "final_answer", "solution", "output",
                                               "target", "label",        "gold",     "response"};

bool has(const nlohmann::json& row, const std::string& field) {
  return row.contains(field);
}

std::optional<std::string> first_present(const nlohmann::json& row, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (has(row, name)) return name;
  }
  return std::nullopt;
}

// A field's value as text: strings as they are, numbers and booleans as JSON writes them.
std::optional<std::string> field_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

bool looks_like_countdown(const nlohmann::json& row, std::string& numbers, std::string& target) {
  if (has(row, "target") && (has(row, "nums") || has(row, "numbers"))) {
    numbers = has(row, "numbers") ? "numbers" : "nums";
    target = "target";
    return true;
  }
  if (has(row, "input") && has(row, "output")) {
    try {
      parse_countdown_numbers(row["input"]);
      parse_countdown_target(row["output"]);
    } catch (const Error&) {
      return false;
    }
    numbers = "input";
    target = "output";
    return true;
  }
  return false;
}

}  // namespace

std::string field_names(const nlohmann::json& row) {
  std::vector<std::string> names;
  for (const auto& item : row.items()) names.push_back("'" + item.key() + "'");
  if (names.empty()) return "(none)";
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string FieldMapping::describe() const {
  if (shape == "countdown") {
    return fmt::format("countdown (numbers <- '{}', target <- '{}')", numbers_field, target_field);
  }
  std::string how = answer_format == "auto" ? "" : fmt::format(" as {}", answer_format);
  std::vector<std::string> quoted;
  for (const auto& field : answer_fields) quoted.push_back("'" + field + "'");
  return fmt::format("{} (question <- '{}', answer <- {}{})", shape, question_field,
                     fmt::join(quoted, " or "), how);
}

FieldMapping recognise_fields(const nlohmann::json& row, const FieldOptions& options,
                              const std::string& where) {
  const std::vector<std::string> formats = {"auto", "gsm8k", "boxed", "raw"};
  if (std::find(formats.begin(), formats.end(), options.answer_format) == formats.end()) {
    fail("unknown answer format '{}'; known: auto, gsm8k, boxed, raw", options.answer_format);
  }
  FieldMapping mapping;
  mapping.answer_format = options.answer_format;
  bool user_named = !options.question_field.empty() || !options.answer_field.empty();

  if (!user_named && looks_like_countdown(row, mapping.numbers_field, mapping.target_field)) {
    mapping.shape = "countdown";
    mapping.question_field = "question";
    return mapping;
  }
  if (!options.question_field.empty()) {
    mapping.question_field = options.question_field;
  } else if (auto name = first_present(row, kQuestionNames)) {
    mapping.question_field = *name;
  } else {
    fail(
        "{}: cannot tell which field holds the question; this row has fields {}; name it with "
        "--question-field",
        where, field_names(row));
  }
  if (!options.answer_field.empty()) {
    mapping.answer_fields = {options.answer_field};
  } else if (mapping.question_field == "problem" && (has(row, "answer") || has(row, "solution"))) {
    mapping.answer_fields = {"answer",
                             "solution"};  // MATH: `answer` when there, else the \boxed{} of `solution`
  } else if (auto name = first_present(row, kAnswerNames); name && *name != mapping.question_field) {
    mapping.answer_fields = {*name};
  } else {
    fail(
        "{}: cannot tell which field holds the gold answer; this row has fields {}; name it with "
        "--answer-field",
        where, field_names(row));
  }
  if (user_named) {
    mapping.shape = "custom";
  } else if (mapping.question_field == "problem") {
    mapping.shape = "math";
  } else if (mapping.answer_fields[0] == "answer" && row["answer"].is_string() &&
             row["answer"].get<std::string>().find("####") != std::string::npos) {
    mapping.shape = "gsm8k";
  } else {
    mapping.shape = "question/answer";
  }
  if (!has(row, mapping.question_field)) {
    fail("{}: no field '{}' (the question) in this row; it has fields {}", where, mapping.question_field,
         field_names(row));
  }
  if (!has(row, mapping.answer_fields[0])) {
    fail("{}: no field '{}' (the answer) in this row; it has fields {}", where, mapping.answer_fields[0],
         field_names(row));
  }
  return mapping;
}

Example make_example(RawRow&& raw, const FieldMapping& mapping, std::string* gold_warning) {
  nlohmann::json& row = raw.fields;
  Example example;
  example.id = raw.id;
  const std::string& where = raw.where;

  if (mapping.shape == "countdown") {
    for (const auto& field : {mapping.numbers_field, mapping.target_field}) {
      if (!has(row, field)) {
        fail("{}: no field '{}' in this countdown row; it has fields {}", where, field, field_names(row));
      }
    }
    std::vector<int64_t> numbers;
    int64_t target = 0;
    try {
      numbers = parse_countdown_numbers(row[mapping.numbers_field]);
      target = parse_countdown_target(row[mapping.target_field]);
    } catch (const Error& e) {
      fail("{}: {}", where, e.what());
    }
    auto written = has(row, "question") ? field_text(row["question"]) : std::nullopt;
    example.question = written && !trim(*written).empty() ? *written : countdown_question(numbers, target);
    example.answer = std::to_string(target);
    row["numbers"] = numbers;
    row["target"] = target;
  } else {
    if (!has(row, mapping.question_field)) {
      fail("{}: no field '{}' (the question) in this row; it has fields {}", where, mapping.question_field,
           field_names(row));
    }
    auto question = field_text(row[mapping.question_field]);
    if (!question) {
      fail("{}: field '{}' (the question) should be text, found {}", where, mapping.question_field,
           snippet(row[mapping.question_field].dump()));
    }
    if (trim(*question).empty())
      fail("{}: field '{}' (the question) is empty", where, mapping.question_field);
    example.question = std::move(*question);

    const std::string* answer_field = nullptr;
    for (const auto& field : mapping.answer_fields) {
      if (has(row, field) && !(row[field].is_string() && trim(row[field].get<std::string>()).empty())) {
        answer_field = &field;
        break;
      }
    }
    if (!answer_field) {
      std::vector<std::string> quoted;
      for (const auto& field : mapping.answer_fields) quoted.push_back("'" + field + "'");
      fail("{}: no field {} (the answer) with a value in this row; it has fields {}", where,
           fmt::join(quoted, " or "), field_names(row));
    }
    auto text = field_text(row[*answer_field]);
    if (!text) {
      fail("{}: field '{}' (the answer) should be text or a number, found {}", where, *answer_field,
           snippet(row[*answer_field].dump()));
    }
    example.answer = extract_gold(*text, mapping.answer_format);
    if (example.answer.empty()) {
      fail("{}: no gold answer in field '{}' (read as {}): {}", where, *answer_field, mapping.answer_format,
           snippet(*text));
    }
    if (gold_warning != nullptr) {
      if (auto reason = unreadable_gold_reason(example.answer)) {
        *gold_warning = fmt::format("{}: field '{}' holds {}: {}", where, *answer_field,
                                    snippet(example.answer), *reason);
      }
    }
  }
  // Keep the source's own question/answer text when it differs from what the fields now say.
  for (const auto& [field, value] :
       {std::pair<std::string, const std::string*>{"question", &example.question},
        std::pair<std::string, const std::string*>{"answer", &example.answer}}) {
    if (has(row, field) && !(row[field].is_string() && row[field].get<std::string>() == *value)) {
      row["original_" + field] = std::move(row[field]);
    }
    row[field] = *value;
  }
  example.row = std::move(row);
  return example;
}

}  // namespace grpo
