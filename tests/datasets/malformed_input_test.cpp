// Bad input gets a clear error (file:line, what is wrong, a snippet; missing fields list the fields there
// are), an empty data set is refused, and the skip option skips bad rows and counts them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "datasets/dataset_loader.h"
#include "test_support.h"

namespace grpo {
namespace {

using testing::TempDir;
using testing::write_text;

// The message of the grpo::Error that `load` throws (fails the test when none is thrown).
std::string load_error(const std::filesystem::path& path, const LoadOptions& options = {}) {
  try {
    load_examples(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " did not fail";
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "in: " << (text)

TEST(MalformedInput, BadJsonLineNamesFileLineAndShowsASnippet) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path,
             "{\"question\": \"1+1?\", \"answer\": \"2\"}\n"
             "{\"question\": \"2+2?\", \"answer\": \"4\"}\n"
             "{\"question\": \"3+3?\", \"answer\": 6 oops}\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, path.string() + ":3: not valid JSON");
  EXPECT_CONTAINS(message, "\"{\\\"question\\\": \\\"3+3?\\\", \\\"answer\\\": 6 oops}\"");
  EXPECT_CONTAINS(message, "--skip-bad-rows");
}

TEST(MalformedInput, LineThatIsNotAnObjectIsNamed) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "{\"question\": \"q\", \"answer\": \"a\"}\n[1, 2, 3]\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, ":2: expected one JSON object per line, found an array");
}

TEST(MalformedInput, MissingFieldListsTheFieldsThatExist) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path,
             "{\"question\": \"q1\", \"answer\": \"a1\"}\n"
             "\n"
             "{\"question\": \"q2\", \"solution\": \"s2\", \"level\": 3}\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, ":3: no field 'answer'");
  EXPECT_CONTAINS(message, "'level', 'question', 'solution'");
}

TEST(MalformedInput, UnrecognisedShapeAsksForTheFieldNames) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "{\"text\": \"hello\", \"reply\": \"hi\"}\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, ":1: cannot tell which field holds the question");
  EXPECT_CONTAINS(message, "'reply', 'text'");
  EXPECT_CONTAINS(message, "--question-field");

  LoadOptions options;
  options.fields.question_field = "text";
  options.fields.answer_field = "reply";
  LoadedExamples loaded = load_examples(path, options);
  ASSERT_EQ(loaded.examples.size(), 1u);
  EXPECT_EQ(loaded.examples[0].question, "hello");
  EXPECT_EQ(loaded.examples[0].answer, "hi");
  EXPECT_EQ(loaded.examples[0].row["text"], "hello");
  EXPECT_EQ(loaded.examples[0].row["reply"], "hi");
}

TEST(MalformedInput, NamedFieldMissingFromARowListsTheRowsFields) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "{\"q\": \"x\", \"a\": \"1\"}\n{\"q\": \"y\", \"b\": \"2\"}\n");
  LoadOptions options;
  options.fields.question_field = "q";
  options.fields.answer_field = "a";
  std::string message = load_error(path, options);
  EXPECT_CONTAINS(message, ":2: no field 'a' (the answer)");
  EXPECT_CONTAINS(message, "'b', 'q'");
}

TEST(MalformedInput, EmptyDataSetsAreRefused) {
  TempDir dir;
  write_text(dir / "empty.jsonl", "");
  EXPECT_CONTAINS(load_error(dir / "empty.jsonl"), "has no rows");
  write_text(dir / "blank.jsonl", "\n   \n\n");
  EXPECT_CONTAINS(load_error(dir / "blank.jsonl"), "has no rows");
  write_text(dir / "array.json", "[]");
  EXPECT_CONTAINS(load_error(dir / "array.json"), "has no rows");
  write_text(dir / "header.csv", "question,answer\n");
  EXPECT_CONTAINS(load_error(dir / "header.csv"), "has no rows");
  write_text(dir / "nothing.csv", "");
  EXPECT_CONTAINS(load_error(dir / "nothing.csv"), "is empty");
}

TEST(MalformedInput, MissingFileIsNamed) {
  TempDir dir;
  EXPECT_CONTAINS(load_error(dir / "nope.jsonl"), "nope.jsonl");
}

TEST(MalformedInput, SkipOptionSkipsBadRowsAndCountsThem) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path,
             "{\"question\": \"q1\", \"answer\": \"1\"}\n"
             "{not json\n"
             "{\"question\": \"q3\", \"answer\": \"3\"}\n"
             "{\"question\": \"q4\"}\n"
             "\"just a string\"\n"
             "{\"question\": \"q6\", \"answer\": \"6\"}\n");
  LoadOptions options;
  options.skip_bad_rows = true;
  LoadedExamples loaded = load_examples(path, options);
  ASSERT_EQ(loaded.examples.size(), 3u);
  EXPECT_EQ(loaded.report.rows, 3u);
  EXPECT_EQ(loaded.report.skipped, 3u);
  EXPECT_EQ(loaded.examples[0].id, "data.jsonl:1");
  EXPECT_EQ(loaded.examples[1].id, "data.jsonl:3");
  EXPECT_EQ(loaded.examples[2].id, "data.jsonl:6");
  EXPECT_EQ(loaded.examples[2].answer, "6");
  ASSERT_EQ(loaded.report.first_problems.size(), 3u);
  EXPECT_CONTAINS(loaded.report.first_problems[0], ":2: not valid JSON");
  EXPECT_CONTAINS(loaded.report.first_problems[1], ":4: no field 'answer'");
  EXPECT_CONTAINS(loaded.report.first_problems[2], ":5: expected one JSON object");
  EXPECT_CONTAINS(loaded.report.summary(), "3 bad rows skipped");
}

// A gold answer that does not read as an answer is kept, but the load names its row and field: the accuracy
// reward would otherwise score every completion 0 on it without a word.
TEST(MalformedInput, GoldAnswersThatDoNotReadAsAnswersAreNamedAtLoadTime) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(
      path,
      "{\"question\": \"q1\", \"answer\": \"18\"}\n"
      "{\"question\": \"q2\", \"answer\": \"A: 18\"}\n"
      "{\"question\": \"q3\", \"answer\": \"First add the two numbers, then divide the sum by three\"}\n"
      "{\"question\": \"q4\", \"answer\": \"10{,}000\"}\n"
      "{\"question\": \"q5\", \"answer\": \"\\\\text{Monday and Friday}\"}\n"
      "{\"question\": \"q6\", \"answer\": \"\\\\frac{\\\\sqrt{3}}{2}\"}\n");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 6u);
  EXPECT_EQ(loaded.report.unreadable_golds, 2u);
  ASSERT_EQ(loaded.report.first_unreadable_golds.size(), 2u);
  EXPECT_CONTAINS(loaded.report.first_unreadable_golds[0], "data.jsonl:2: field 'answer' holds \"A: 18\"");
  EXPECT_CONTAINS(loaded.report.first_unreadable_golds[0], "a label stands before the answer");
  EXPECT_CONTAINS(loaded.report.first_unreadable_golds[1], "data.jsonl:3: field 'answer'");
  EXPECT_CONTAINS(loaded.report.first_unreadable_golds[1], "reads as prose");
  EXPECT_CONTAINS(loaded.report.summary(), "warning: 2 rows of");
  EXPECT_CONTAINS(loaded.report.summary(), "accuracy reward scores every completion 0");
  EXPECT_EQ(loaded.examples[1].answer, "A: 18");  // kept as it is: only the warning is new

  write_text(path, "{\"question\": \"q\", \"solution\": \"Add them.\\nThen halve the sum.\"}\n");
  LoadOptions options;
  options.fields.answer_field = "solution";
  LoadedExamples worked = load_examples(path, options);
  ASSERT_EQ(worked.report.first_unreadable_golds.size(), 1u);
  EXPECT_CONTAINS(worked.report.first_unreadable_golds[0], "field 'solution'");
  EXPECT_CONTAINS(worked.report.first_unreadable_golds[0], "several lines");
}

TEST(MalformedInput, SkipOptionStillRefusesAFileOfOnlyBadRows) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "nope\n{\"a\": 1\n");
  LoadOptions options;
  options.skip_bad_rows = true;
  std::string message = load_error(path, options);
  EXPECT_CONTAINS(message, "no usable rows: all 2 were bad");
  EXPECT_CONTAINS(message, ":1: not valid JSON");
}

TEST(MalformedInput, EmptyQuestionOrAnswerIsABadRow) {
  TempDir dir;
  write_text(dir / "q.jsonl", "{\"question\": \"  \", \"answer\": \"1\"}\n");
  EXPECT_CONTAINS(load_error(dir / "q.jsonl"), ":1: field 'question' (the question) is empty");
  write_text(dir / "a.jsonl",
             "{\"question\": \"q\", \"answer\": \"1\"}\n{\"question\": \"q\", \"answer\": \"\"}\n");
  EXPECT_CONTAINS(load_error(dir / "a.jsonl"), ":2: no field 'answer' (the answer) with a value");
  write_text(dir / "o.jsonl", "{\"question\": \"q\", \"answer\": {\"x\": 1}}\n");
  EXPECT_CONTAINS(load_error(dir / "o.jsonl"), "should be text or a number");
}

TEST(MalformedInput, Gsm8kFormatWithoutHashesSaysThereIsNoGold) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "{\"question\": \"q\", \"answer\": \"it is 5\"}\n");
  LoadOptions options;
  options.fields.answer_format = "gsm8k";
  EXPECT_CONTAINS(load_error(path, options), ":1: no gold answer in field 'answer' (read as gsm8k)");
  options.fields.answer_format = "nonsense";
  EXPECT_CONTAINS(load_error(path, options), "unknown answer format 'nonsense'");
}

TEST(MalformedInput, BadCountdownNumbersAreNamed) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path, "{\"numbers\": [1, 2, 3], \"target\": 6}\n{\"numbers\": [1, \"x\"], \"target\": 6}\n");
  EXPECT_CONTAINS(load_error(path), ":2: countdown numbers should be integers");
}

TEST(JsonArray, LoadsElementsWithLinesAndIds) {
  TempDir dir;
  auto path = dir / "data.json";
  write_text(path,
             "[\n"
             "  {\"problem\": \"p1\", \"answer\": \"1\"},\n"
             "  {\"problem\": \"p2\",\n"
             "   \"solution\": \"so \\\\boxed{\\\\frac{1}{2}}.\"}\n"
             "]\n");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 2u);
  EXPECT_EQ(loaded.report.format, "json");
  EXPECT_EQ(loaded.examples[0].id, "data.json[0]");
  EXPECT_EQ(loaded.examples[1].id, "data.json[1]");
  EXPECT_EQ(loaded.examples[0].answer, "1");
  EXPECT_EQ(loaded.examples[1].answer,
            "\\frac{1}{2}");  // MATH without `answer`: the \boxed{} of the solution
}

TEST(JsonArray, ElementThatIsNotAnObjectIsABadRecordWithItsLine) {
  TempDir dir;
  auto path = dir / "data.json";
  write_text(
      path, "[\n{\"question\": \"q\", \"answer\": \"a\"},\n42,\n{\"question\": \"r\", \"answer\": \"b\"}\n]");
  EXPECT_CONTAINS(load_error(path), ":3: element 1 of the array is not an object: \"42\"");
  LoadOptions options;
  options.skip_bad_rows = true;
  LoadedExamples loaded = load_examples(path, options);
  EXPECT_EQ(loaded.examples.size(), 2u);
  EXPECT_EQ(loaded.report.skipped, 1u);
}

TEST(JsonArray, BrokenArrayIsFatalWithItsLine) {
  TempDir dir;
  auto path = dir / "data.json";
  write_text(path,
             "[\n{\"question\": \"q\", \"answer\": \"a\"},\n{\"question\": \"r\" \"answer\": \"b\"}\n]");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, ":3: not valid JSON");
  EXPECT_CONTAINS(message, "after element 1");
  write_text(dir / "object.json", "{\"rows\": []}");
  LoadOptions as_array;
  as_array.format = "json";
  EXPECT_CONTAINS(load_error(dir / "object.json", as_array), "expected a JSON array of objects");
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndNewlines) {
  TempDir dir;
  auto path = dir / "data.csv";
  write_text(path,
             "question,answer,note\n"
             "\"What is 1,000 + 1?\",\"1,001\",plain\n"
             "\"He said \"\"hi\"\".\nThen, what?\",hi,\"two\nlines\"\n"
             "simple,3,\n");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 3u);
  EXPECT_EQ(loaded.report.format, "csv");
  EXPECT_EQ(loaded.examples[0].question, "What is 1,000 + 1?");
  EXPECT_EQ(loaded.examples[0].answer, "1,001");
  EXPECT_EQ(loaded.examples[0].row["note"], "plain");
  EXPECT_EQ(loaded.examples[1].question, "He said \"hi\".\nThen, what?");
  EXPECT_EQ(loaded.examples[1].row["note"], "two\nlines");
  EXPECT_EQ(loaded.examples[1].id, "data.csv:3");
  EXPECT_EQ(loaded.examples[2].id, "data.csv:6");  // the record before spans lines 3-5
  EXPECT_EQ(loaded.examples[2].row["note"], "");
}

TEST(Csv, CrlfLineEndsAndAByteOrderMarkAreHandled) {
  TempDir dir;
  auto path = dir / "data.csv";
  write_text(path, "\xEF\xBB\xBFquestion,answer\r\nq1,1\r\n\"q2\",\"2\"\r\n");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 2u);
  EXPECT_EQ(loaded.examples[0].question, "q1");
  EXPECT_EQ(loaded.examples[0].answer, "1");
  EXPECT_EQ(loaded.examples[1].answer, "2");
}

TEST(Csv, WrongFieldCountNamesTheLineAndTheHeader) {
  TempDir dir;
  auto path = dir / "data.csv";
  write_text(path, "question,answer\nq1,1\nWhat is 1,000 + 1?,1001\nq3,3\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, "data.csv:3: 3 fields, but the header has 2 (question, answer)");
  EXPECT_CONTAINS(message, "\"What is 1,000 + 1?,1001\"");
  LoadOptions options;
  options.skip_bad_rows = true;
  LoadedExamples loaded = load_examples(path, options);
  ASSERT_EQ(loaded.examples.size(), 2u);
  EXPECT_EQ(loaded.examples[1].id, "data.csv:4");
  EXPECT_EQ(loaded.report.skipped, 1u);
}

TEST(Csv, UnterminatedQuoteIsFatalAndNamesWhereItOpened) {
  TempDir dir;
  auto path = dir / "data.csv";
  write_text(path, "question,answer\nq1,1\n\"never closed,2\nq3,3\n");
  std::string message = load_error(path);
  EXPECT_CONTAINS(message, "data.csv:3: a quoted field opened on line 3 is never closed");
  LoadOptions options;
  options.skip_bad_rows = true;
  EXPECT_CONTAINS(load_error(path, options), "unterminated quote");
}

TEST(Csv, TextAfterAClosingQuoteIsABadRecord) {
  TempDir dir;
  auto path = dir / "data.csv";
  write_text(path, "question,answer\n\"q1\"x,1\n");
  EXPECT_CONTAINS(load_error(path), "data.csv:2: text after the closing quote of field 1");
}

TEST(Csv, BadHeadersAreRefused) {
  TempDir dir;
  write_text(dir / "dup.csv", "question,question\na,b\n");
  EXPECT_CONTAINS(load_error(dir / "dup.csv"), "header names field 'question' twice");
  write_text(dir / "blank.csv", "question,,answer\na,b,c\n");
  EXPECT_CONTAINS(load_error(dir / "blank.csv"), "header field 2 is empty");
}

TEST(Tsv, TabsSeparateAndQuotesWorkTheSame) {
  TempDir dir;
  auto path = dir / "data.tsv";
  write_text(path, "problem\tanswer\tlevel\nWhat is 2, plus 2?\t4\t1\n\"tab\there\"\t\\frac{1}{2}\t5\n");
  LoadedExamples loaded = load_examples(path);
  ASSERT_EQ(loaded.examples.size(), 2u);
  EXPECT_EQ(loaded.report.format, "tsv");
  EXPECT_EQ(loaded.examples[0].question, "What is 2, plus 2?");
  EXPECT_EQ(loaded.examples[0].answer, "4");
  EXPECT_EQ(loaded.examples[0].row["level"], "1");
  EXPECT_EQ(loaded.examples[1].question, "tab\there");
  EXPECT_EQ(loaded.examples[1].answer, "\\frac{1}{2}");
}

TEST(Formats, DetectedFromContentWhenTheExtensionSaysNothing) {
  TempDir dir;
  write_text(dir / "rows.txt", "{\"question\": \"q\", \"answer\": \"a\"}\n");
  EXPECT_EQ(load_examples(dir / "rows.txt").report.format, "jsonl");
  write_text(dir / "array.txt", "  [{\"question\": \"q\", \"answer\": \"a\"}]");
  EXPECT_EQ(load_examples(dir / "array.txt").report.format, "json");
  write_text(dir / "lines.json",
             "{\"question\": \"q\", \"answer\": \"a\"}\n{\"question\": \"r\", \"answer\": \"b\"}\n");
  EXPECT_EQ(load_examples(dir / "lines.json").examples.size(), 2u);
  write_text(dir / "odd.txt", "question,answer\n");
  EXPECT_CONTAINS(load_error(dir / "odd.txt"), "cannot tell the format");
  LoadOptions options;
  options.format = "csv";
  write_text(dir / "odd.txt", "question,answer\nq,a\n");
  EXPECT_EQ(load_examples(dir / "odd.txt", options).examples.size(), 1u);
  options.format = "xml";
  EXPECT_CONTAINS(load_error(dir / "odd.txt", options), "unknown data format 'xml'");
}

TEST(Formats, MaxRowsStopsEarly) {
  TempDir dir;
  auto path = dir / "data.jsonl";
  write_text(path,
             "{\"question\": \"q1\", \"answer\": \"1\"}\n{\"question\": \"q2\", \"answer\": \"2\"}\n{bad\n");
  LoadOptions options;
  options.max_rows = 2;
  EXPECT_EQ(load_examples(path, options).examples.size(), 2u);  // the bad third line is never read
}

}  // namespace
}  // namespace grpo
