// The text helpers every reward uses on untrusted bytes: trimming, quoting for reasons, UTF-8 repair.
#include <gtest/gtest.h>

#include "rewards/text_scan.h"

namespace grpo {
namespace {

TEST(TextScan, TrimUsesAsciiWhitespaceOnly) {
  EXPECT_EQ(text::trim(" \t\n\r\f\vx y\n"), "x y");
  EXPECT_EQ(text::trim("\xC2\xA0x"), "\xC2\xA0x");  // a no-break space is not whitespace here
  EXPECT_TRUE(text::is_blank(" \n"));
  EXPECT_FALSE(text::is_blank(std::string(1, '\0')));
}

TEST(TextScan, QuoteMakesUntrustedTextPrintable) {
  EXPECT_EQ(text::quote("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(text::quote(std::string("a\0b\xFF", 4)), "\"a\\x00b\\xff\"");
  EXPECT_EQ(text::quote("\\frac{1}{2}"), "\"\\frac{1}{2}\"");
  EXPECT_EQ(text::quote("\xE4\xBD\xA0"), "\"\xE4\xBD\xA0\"");  // valid UTF-8 stays as it is
  EXPECT_EQ(text::quote(std::string(100, 'x'), 10), "\"xxxxxxxxxx...\"");
  EXPECT_EQ(text::printable("say \"hi\""), "say \"hi\"");
}

TEST(TextScan, ValidUtf8ReplacesEveryInvalidSequence) {
  EXPECT_EQ(text::valid_utf8("ok \xE4\xBD\xA0"), "ok \xE4\xBD\xA0");
  EXPECT_EQ(text::valid_utf8("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(text::valid_utf8("\xE4\xBD"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated sequence
  EXPECT_EQ(text::valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(text::valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace grpo
