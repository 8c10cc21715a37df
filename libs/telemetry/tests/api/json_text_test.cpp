#include "spanline/telemetry/api/json_text.h"

#include <gtest/gtest.h>

#include <regex>

namespace spanline::telemetry {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quoted("plain"), "\"plain\"");
  EXPECT_EQ(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quoted("line\nnext"), "\"line\\nnext\"");
  EXPECT_EQ(quoted(std::string_view("\x01\t\x7f", 3)), "\"\\u0001\\u0009\\u007f\"");
}

TEST(JsonText, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(quoted("caf\xC3\xA9 \xE2\x82\xAC"), "\"caf\xC3\xA9 \xE2\x82\xAC\"");
  EXPECT_EQ(quoted("a\xFF"
                   "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(quoted("\xC3"), "\"\xEF\xBF\xBD\"");  // truncated sequence
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong
}

TEST(JsonText, HexIsLowercaseTwoDigitsAByteAppended) {
  std::string out = "id=";
  append_hex(out, std::string_view("\x00\x0f\xab\xff", 4));
  EXPECT_EQ(out, "id=000fabff");
  append_hex(out, "");
  EXPECT_EQ(out, "id=000fabff");
}

TEST(JsonText, UtcTimestampIsRfc3339WithMilliseconds) {
  std::string out = "x";
  append_utc_timestamp(out);
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(x\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << out;
}

}  // namespace
}  // namespace spanline::telemetry
