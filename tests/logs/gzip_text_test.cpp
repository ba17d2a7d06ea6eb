// gzip round trips, cut-short archives, and reading files that may or may not be compressed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "core/error.h"
#include "logs/gzip_text.h"
#include "logs/json_lines.h"
#include "run_fixture.h"
#include "test_support.h"

namespace grpo::logs {
namespace {

using grpo::testing::run_command;
using grpo::testing::shell_quote;
using grpo::testing::TempDir;
using grpo::testing::write_text;

std::string sample_text() {
  std::string text;
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i)
    text += "{\"step\":" + std::to_string(random() % 1000) + ",\"t\":\"abc\"}\n";
  return text;
}

TEST(Gzip, RoundTripShrinksAndRestoresExactly) {
  std::string text = sample_text();
  std::string packed = gzip_compress(text, 6);
  EXPECT_TRUE(looks_gzipped(packed));
  EXPECT_LT(packed.size(), text.size() / 4);
  Decompressed unpacked = gzip_decompress(packed);
  EXPECT_TRUE(unpacked.complete) << unpacked.problem;
  EXPECT_EQ(unpacked.text, text);
  EXPECT_EQ(gzip_decompress(gzip_compress("")).text, "");
}

TEST(Gzip, OutputIsStandardGzip) {
  if (std::system("command -v gzip >/dev/null 2>&1") != 0) GTEST_SKIP() << "the gzip tool is not installed";
  TempDir dir;
  write_text(dir / "a.gz", gzip_compress("hello gzip\n"));
  auto result = run_command("gzip -dc " + shell_quote((dir / "a.gz").string()));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "hello gzip\n");
}

TEST(Gzip, ConcatenatedMembersAreAllRead) {
  Decompressed both = gzip_decompress(gzip_compress("first\n") + gzip_compress("second\n"));
  EXPECT_TRUE(both.complete);
  EXPECT_EQ(both.text, "first\nsecond\n");
}

TEST(Gzip, CutShortArchiveGivesItsBeginningAndSaysSo) {
  std::string text = sample_text();
  std::string packed = gzip_compress(text);
  Decompressed partial = gzip_decompress(std::string_view(packed).substr(0, packed.size() / 2));
  EXPECT_FALSE(partial.complete);
  EXPECT_FALSE(partial.problem.empty());
  EXPECT_GT(partial.text.size(), 1000u);
  EXPECT_EQ(text.compare(0, partial.text.size(), partial.text), 0);  // a true prefix

  // Read as JSON lines: the whole lines before the cut, and warnings for the torn line and the cut archive.
  TempDir dir;
  write_text(dir / "step.jsonl.gz", packed.substr(0, packed.size() / 2));
  JsonLines lines = read_json_lines(dir / "step.jsonl.gz");
  EXPECT_GT(lines.objects.size(), 50u);
  EXPECT_GE(lines.warnings.size(), 1u);
}

TEST(Gzip, FileInPlaceReplacesThePlainFile) {
  TempDir dir;
  write_text(dir / "x.jsonl", "{\"a\":1}\n");
  gzip_file_in_place(dir / "x.jsonl", dir / "x.jsonl.gz", 9);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.jsonl"));
  Decompressed back = read_maybe_gzipped(dir / "x.jsonl.gz");
  EXPECT_EQ(back.text, "{\"a\":1}\n");
  EXPECT_THROW(gzip_compress("x", 0), grpo::Error);
}

}  // namespace
}  // namespace grpo::logs
