#include "task-api/validation.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace ta = spanline::taskflow::api;
namespace ec = ta::error_code;

namespace {

// The error a body gets, checked to be one (a failure message otherwise).
ta::ValidationError rejected(std::string_view body, const ta::ValidationLimits& limits = {}) {
  const auto r = ta::parse_new_task(body, limits);
  EXPECT_FALSE(r.ok()) << "accepted: " << body;
  return r.ok() ? ta::ValidationError{} : r.error();
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

// --- Content-Type -------------------------------------------------------------

TEST(ContentType, AcceptsJsonWithOrWithoutUtf8Charset) {
  for (const char* v : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                        "application/json;charset=UTF-8", "application/json; charset=\"utf-8\"",
                        " application/json ", "application/json; foo=bar", "application/json;",
                        "application/json; charset=utf-8; q"}) {
    const auto e = ta::check_content_type(v);
    EXPECT_FALSE(e) << v << ": " << e->message;
  }
}

TEST(ContentType, RefusesMissingOtherTypesAndOtherCharsets) {
  for (const char* v :
       {"", "  ", "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
        "application/json-patch+json", "json", "application/json; charset=latin1",
        "application/json; charset=utf-16", "multipart/form-data; boundary=x"}) {
    const auto e = ta::check_content_type(v);
    ASSERT_TRUE(e) << v;
    EXPECT_EQ(e->http_status, 415u) << v;
    EXPECT_EQ(e->error, ec::kUnsupportedMediaType);
    EXPECT_TRUE(contains(e->message, "application/json")) << e->message;
  }
  EXPECT_TRUE(contains(ta::check_content_type("")->message, "missing"));
}

// --- POST /tasks body -----------------------------------------------------------

TEST(NewTask, AcceptsTextAndKeepsItUntrimmed) {
  const auto r = ta::parse_new_task(R"({"text": "  Fix the login bug \n"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().text, "  Fix the login bug \n");
}

TEST(NewTask, IgnoresUnknownMembersIncludingId) {
  const auto r = ta::parse_new_task(R"({"id": "mine", "text": "t", "priority": 3, "x": [1]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().text, "t");
}

TEST(NewTask, UnescapesJsonAndAcceptsUnicode) {
  const auto r = ta::parse_new_task(R"({"text": "caf\u00e9 \ud83d\ude00 \"q\" 日本"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().text, "café 😀 \"q\" 日本");
}

TEST(NewTask, MissingText) {
  for (const char* body : {"{}", R"({"txt": "typo"})", R"({"Text": "case matters"})"}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kMissingField) << body;
    EXPECT_TRUE(contains(e.message, "\"text\" is required"));
  }
}

TEST(NewTask, EmptyOrBlankText) {
  for (const char* body : {R"({"text": ""})", R"({"text": "   "})", R"({"text": "\t\n\r "})"}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kInvalidValue) << body;
  }
}

TEST(NewTask, NonStringText) {
  struct Case {
    const char* body;
    const char* got;
  };
  for (const Case& c :
       {Case{R"({"text": 42})", "a number"}, Case{R"({"text": 1.5})", "a number"},
        Case{R"({"text": null})", "null"}, Case{R"({"text": true})", "a boolean"},
        Case{R"({"text": ["a"]})", "an array"}, Case{R"({"text": {"a": 1}})", "an object"}}) {
    const auto e = rejected(c.body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kInvalidType) << c.body;
    EXPECT_TRUE(contains(e.message, c.got)) << e.message;
  }
}

TEST(NewTask, TextLengthLimitCountsUtf8Bytes) {
  const std::string at_limit(4096, 'a');
  EXPECT_TRUE(ta::parse_new_task(R"({"text": ")" + at_limit + "\"}").ok());
  const auto e = rejected(R"({"text": ")" + at_limit + "b\"}");
  EXPECT_EQ(e.http_status, 400u);
  EXPECT_EQ(e.error, ec::kTextTooLong);
  EXPECT_TRUE(contains(e.message, "4097 bytes")) << e.message;
  EXPECT_TRUE(contains(e.message, "4096")) << e.message;
  // 2049 two-byte characters are 4098 bytes, though only 2049 characters.
  std::string accents;
  for (int i = 0; i < 2049; ++i) accents += "é";
  EXPECT_EQ(rejected(R"({"text": ")" + accents + "\"}").error, ec::kTextTooLong);
  // Escapes count once unescaped: 4096 "\u0041" escapes are 4096 bytes of text.
  std::string escaped;
  for (int i = 0; i < 4096; ++i) escaped += "\\u0041";
  EXPECT_TRUE(ta::parse_new_task(R"({"text": ")" + escaped + "\"}").ok());
}

TEST(NewTask, OversizeBodyIs413) {
  const std::string body = R"({"text": "x", "pad": ")" + std::string(70 * 1024, ' ') + "\"}";
  const auto e = rejected(body);
  EXPECT_EQ(e.http_status, 413u);
  EXPECT_EQ(e.error, ec::kPayloadTooLarge);
  EXPECT_EQ(rejected(R"({"text": "abc"})", {.max_body_bytes = 8}).http_status, 413u);
}

TEST(NewTask, MalformedJson) {
  for (const char* body : {R"({"text": "a")", R"({"text": x})", R"({text: "a"})", "{'text': 'a'}",
                           R"({"text": "a"} trailing)", R"({"text": "a",})", "nul", "{",
                           R"({"text": "\ud800"})", R"({"text": "\q"})"}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kInvalidJson) << body;
    EXPECT_TRUE(contains(e.message, "malformed JSON")) << e.message;
  }
  EXPECT_TRUE(contains(rejected(R"({"text": x})").message, "at byte 9"));
  EXPECT_TRUE(contains(rejected("{\"text\": \"a\"}\n{}").message, "after the value"));
  // Trailing whitespace is not trailing data.
  EXPECT_TRUE(ta::parse_new_task("{\"text\": \"a\"}\r\n  ").ok());
}

TEST(NewTask, EmptyBody) {
  for (const char* body : {"", "   ", "\n"}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.error, ec::kInvalidJson);
    EXPECT_TRUE(contains(e.message, "empty"));
  }
}

TEST(NewTask, NonObjectJson) {
  for (const char* body : {R"(["text"])", R"("text")", "42", "null", "true"}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kInvalidRequest) << body;
    EXPECT_TRUE(contains(e.message, "must be a JSON object")) << e.message;
  }
}

TEST(NewTask, InvalidUtf8) {
  for (std::string body :
       {std::string("{\"text\": \"\xff\"}"), std::string("{\"text\": \"\xc0\xaf\"}"),
        std::string("{\"text\": \"\xed\xa0\x80\"}"),  // encoded surrogate
        std::string("{\"text\": \"\xe2\x82\"}"),      // truncated sequence
        std::string("{\"text\": \"a\"}\xf5")}) {
    const auto e = rejected(body);
    EXPECT_EQ(e.http_status, 400u);
    EXPECT_EQ(e.error, ec::kInvalidJson);
    EXPECT_TRUE(contains(e.message, "UTF-8")) << e.message;
  }
}

TEST(NewTask, DeepNestingIsRejectedNotRecursedInto) {
  const std::string deep =
      R"({"text": "a", "x": )" + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_EQ(rejected(deep).error, ec::kInvalidJson);
}

TEST(Utf8, Validator) {
  EXPECT_TRUE(ta::is_valid_utf8(""));
  EXPECT_TRUE(ta::is_valid_utf8("plain"));
  EXPECT_TRUE(ta::is_valid_utf8("é 日本 😀 \xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_FALSE(ta::is_valid_utf8("\x80"));
  EXPECT_FALSE(ta::is_valid_utf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(ta::is_valid_utf8("\xe0\x9f\xbf"));      // overlong
  EXPECT_FALSE(ta::is_valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong
  EXPECT_FALSE(ta::is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(ta::is_valid_utf8("\xed\xbf\xbf"));      // surrogate
  EXPECT_FALSE(ta::is_valid_utf8("\xe6\x97"));          // truncated
  EXPECT_FALSE(ta::is_valid_utf8("\xe6\x97x"));         // bad continuation
}

TEST(ErrorJson, HasTheProjectShape) {
  const ta::ValidationError e{415, "unsupported_media_type", "send application/json"};
  EXPECT_EQ(boost::json::serialize(ta::to_json(e)),
            R"({"error":"unsupported_media_type","message":"send application/json"})");
}

// --- GET /tasks query -------------------------------------------------------------

TEST(ListQuery, DefaultsToEverything) {
  const auto q = ta::parse_list_query(std::nullopt, std::nullopt);
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q.value().limit);
  EXPECT_EQ(q.value().offset, 0u);
}

TEST(ListQuery, AcceptsNonNegativeIntegersUpToTheCap) {
  const auto q = ta::parse_list_query("10", "20");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q.value().limit, 10u);
  EXPECT_EQ(q.value().offset, 20u);
  EXPECT_EQ(ta::parse_list_query("0", "0").value().limit, 0u);
  EXPECT_EQ(ta::parse_list_query("1000", std::nullopt).value().limit, 1000u);
  EXPECT_EQ(ta::parse_list_query("007", std::nullopt).value().limit, 7u);
  EXPECT_EQ(ta::parse_list_query(std::nullopt, "123456789").value().offset, 123456789u);
  EXPECT_EQ(ta::parse_list_query("5000", std::nullopt, {.max_list_limit = 5000}).value().limit,
            5000u);
}

TEST(ListQuery, RejectsBadLimits) {
  for (const char* v : {"", "-1", "+1", "1.5", "abc", " 1", "1 ", "0x10", "1e3"}) {
    const auto q = ta::parse_list_query(v, std::nullopt);
    ASSERT_FALSE(q.ok()) << v;
    EXPECT_EQ(q.error().http_status, 400u);
    EXPECT_EQ(q.error().error, ec::kInvalidQuery);
    EXPECT_TRUE(contains(q.error().message, "limit must be a non-negative integer"))
        << q.error().message;
  }
  const auto over = ta::parse_list_query("1001", std::nullopt);
  ASSERT_FALSE(over.ok());
  EXPECT_TRUE(contains(over.error().message, "at most 1000")) << over.error().message;
  const auto huge = ta::parse_list_query("99999999999999999999999", std::nullopt);
  ASSERT_FALSE(huge.ok());
  EXPECT_TRUE(contains(huge.error().message, "too large")) << huge.error().message;
}

TEST(ListQuery, RejectsBadOffsets) {
  for (const char* v : {"", "-5", "x", "99999999999999999999999"}) {
    const auto q = ta::parse_list_query("10", v);
    ASSERT_FALSE(q.ok()) << v;
    EXPECT_EQ(q.error().error, ec::kInvalidQuery);
    EXPECT_TRUE(contains(q.error().message, "offset")) << q.error().message;
  }
}
