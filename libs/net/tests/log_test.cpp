#include "spanline/net/log.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "spanline/net/response.h"

namespace spanline::net {
namespace {

TEST(Log, OneJsonObjectWithFieldsAndNoIdsOutsideARequest) {
  const std::string line = format_log_line(
      LogLevel::kWarn, nullptr, "multi\nline",
      {{"count", 42}, {"ratio", 0.5}, {"name", std::string("a\"b")}, {"flag", false}});
  auto v = boost::json::parse(line);
  ASSERT_TRUE(v.is_object()) << line;
  const auto& o = v.as_object();
  EXPECT_TRUE(o.at("ts").is_string());
  EXPECT_EQ(o.at("level").as_string(), "warn");
  EXPECT_EQ(o.at("msg").as_string(), "multi\nline");
  EXPECT_EQ(o.at("count").as_int64(), 42);
  EXPECT_EQ(o.at("ratio").as_double(), 0.5);
  EXPECT_EQ(o.at("name").as_string(), "a\"b");
  EXPECT_EQ(o.at("flag").as_bool(), false);
  EXPECT_FALSE(o.contains("trace_id"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, InvalidUtf8StillYieldsValidJson) {
  const std::string line =
      format_log_line(LogLevel::kInfo, nullptr, std::string("bad \xff\xfe byte, ok \xc3\xa9"), {});
  auto v = boost::json::parse(line);
  EXPECT_EQ(v.at("msg").as_string(), "bad \xEF\xBF\xBD\xEF\xBF\xBD byte, ok \xc3\xa9");
}

TEST(Response, ErrorShapeIsExactlyErrorAndMessage) {
  Response r = Response::error(404, "not_found", "no route for /x\x01");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, Response::kJson);
  auto v = boost::json::parse(r.body);
  ASSERT_EQ(v.as_object().size(), 2u);
  EXPECT_EQ(v.at("error").as_string(), "not_found");
  EXPECT_EQ(v.at("message").as_string(), "no route for /x\x01");
}

}  // namespace
}  // namespace spanline::net
