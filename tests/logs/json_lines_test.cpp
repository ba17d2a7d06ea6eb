// JSON lines: appending, reading with torn or corrupt lines, following a growing file.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "logs/json_lines.h"
#include "logs/json_lines_tail.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

using grpo::testing::read_text_file;
using grpo::testing::split_lines;
using grpo::testing::TempDir;
using grpo::testing::write_text;

TEST(JsonLines, AppenderWritesOneFlushedObjectPerLine) {
  TempDir dir;
  auto path = dir / "sub" / "metrics.jsonl";
  JsonlAppender appender(path);
  appender.append(Json{{"step", 1}, {"reward", 0.5}});
  // Visible to a reader while the appender is still open: each line is written at once, not buffered.
  EXPECT_EQ(read_text_file(path), "{\"step\":1,\"reward\":0.5}\n");
  appender.append(nlohmann::json{{"step", 2}});
  JsonLines lines = read_json_lines(path);
  ASSERT_EQ(lines.objects.size(), 2u);
  EXPECT_EQ(lines.objects[1]["step"], 2);
  EXPECT_TRUE(lines.warnings.empty());
  EXPECT_THROW(appender.append(Json::array({1, 2})), grpo::Error);
}

TEST(JsonLines, InvalidUtf8InModelTextIsReplacedNotRefused) {
  TempDir dir;
  JsonlAppender appender(dir / "a.jsonl");
  appender.append(Json{{"text", std::string("caf\xc3") + " ok"}});  // a character cut in half
  JsonLines lines = read_json_lines(dir / "a.jsonl");
  ASSERT_EQ(lines.objects.size(), 1u);
  EXPECT_EQ(lines.objects[0]["text"], "caf\xef\xbf\xbd ok");  // U+FFFD
}

TEST(JsonLines, TornLastLineIsSkippedWithAWarning) {
  TempDir dir;
  auto path = dir / "metrics.jsonl";
  write_text(path, "{\"step\":1}\n{\"step\":2}\n{\"step\":3,\"rew");
  JsonLines lines = read_json_lines(path);
  ASSERT_EQ(lines.objects.size(), 2u);
  ASSERT_EQ(lines.warnings.size(), 1u);
  EXPECT_NE(lines.warnings[0].find("metrics.jsonl:3"), std::string::npos) << lines.warnings[0];
  EXPECT_NE(lines.warnings[0].find("incomplete"), std::string::npos) << lines.warnings[0];
}

TEST(JsonLines, CorruptMiddleLineIsSkippedWithItsLineNumber) {
  TempDir dir;
  auto path = dir / "eval.jsonl";
  write_text(path, "{\"step\":1}\n\nnot json at all\n[1,2]\n{\"step\":2}\n");
  JsonLines lines = read_json_lines(path);
  ASSERT_EQ(lines.objects.size(), 2u);
  ASSERT_EQ(lines.warnings.size(), 2u);
  EXPECT_NE(lines.warnings[0].find("eval.jsonl:3"), std::string::npos) << lines.warnings[0];
  EXPECT_NE(lines.warnings[1].find("eval.jsonl:4"), std::string::npos) << lines.warnings[1];
}

TEST(JsonLines, AppenderCutsATornTailBeforeAppending) {
  TempDir dir;
  auto path = dir / "metrics.jsonl";
  write_text(path, "{\"step\":1}\n{\"step\":2,\"rew");  // a run killed mid-line
  JsonlAppender appender(path);
  EXPECT_EQ(appender.torn_bytes_dropped(), 14u);
  appender.append(Json{{"step", 2}});
  EXPECT_EQ(read_text_file(path), "{\"step\":1}\n{\"step\":2}\n");
}

TEST(JsonLines, TailReturnsOnlyWholeNewLines) {
  TempDir dir;
  auto path = dir / "metrics.jsonl";
  JsonLinesTail tail(path);
  EXPECT_TRUE(tail.poll().objects.empty());  // not there yet
  write_text(path, "{\"step\":1}\n{\"step\":2");
  JsonLines first = tail.poll();
  ASSERT_EQ(first.objects.size(), 1u);
  EXPECT_EQ(first.objects[0]["step"], 1);
  {
    std::ofstream out(path, std::ios::app);
    out << "}\nbroken\n";
  }
  JsonLines second = tail.poll();
  ASSERT_EQ(second.objects.size(), 1u);
  EXPECT_EQ(second.objects[0]["step"], 2);
  ASSERT_EQ(second.warnings.size(), 1u);
  EXPECT_NE(second.warnings[0].find("metrics.jsonl:3"), std::string::npos) << second.warnings[0];
  EXPECT_TRUE(tail.poll().objects.empty());
  write_text(path, "{\"step\":9}\n");  // rewritten shorter: read again from the start
  JsonLines third = tail.poll();
  ASSERT_EQ(third.objects.size(), 1u);
  EXPECT_EQ(third.objects[0]["step"], 9);
}

}  // namespace
}  // namespace grpo::logs
