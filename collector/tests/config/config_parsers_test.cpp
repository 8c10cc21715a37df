// The value parsers: Go durations, endpoints, and YAML scalar typing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "config/config.h"
#include "config_test_support.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
using test::fails_with;
using test::loads_cleanly;
using test::settings_of;

TEST(ParseDuration, AcceptsGoSyntax) {
  struct Case {
    const char* text;
    Duration want;
  };
  for (const Case& c : {
           Case{"0", 0ns},
           Case{"+0", 0ns},
           Case{"-0", 0ns},
           Case{"200ms", 200ms},
           Case{"5s", 5s},
           Case{"1m30s", 90s},
           Case{"1.5h", 90min},
           Case{"300us", 300us},
           Case{"300\u00b5s", 300us},  // micro sign
           Case{"300\u03bcs", 300us},  // Greek mu
           Case{"10ns", 10ns},
           Case{"+5s", 5s},
           Case{"-2s", -2s},
           Case{".5s", 500ms},
           Case{"1.s", 1s},
           Case{"1h2m3s4ms5us6ns", 1h + 2min + 3s + 4ms + 5us + 6ns},
           Case{"0.000000001s", 1ns},
           Case{"1.0000000000000000000001s", 1s},  // digits past 63 bits are ignored
           Case{"9223372036854775807ns", Duration::max()},
           Case{"-9223372036854775808ns", Duration::min()},
           Case{"2562047h", 2562047h},
       }) {
    SCOPED_TRACE(c.text);
    std::optional<Duration> d = parse_duration(c.text);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->count(), c.want.count());
  }
}

TEST(ParseDuration, RejectsMalformedAndOverflow) {
  for (const char* text :
       {"", "5", "s", ".", ".s", "-", "5 s", " 5s", "5s ", "1d", "5S", "1e3s", "--5s",
        "9223372036854775808ns", "2562048h", "99999999999999999999s", "1h-1m", "5sec"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_duration(text));
  }
}

TEST(ParseDuration, InYaml) {
  auto timeout = [](std::string_view value) {
    return test::load_over_minimal("processors:\n  batch: {timeout: " + std::string(value) + "}\n");
  };
  LoadResult r = timeout("5");  // a plain integer is nanoseconds, as in the Collector
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(settings_of<BatchProcessorConfig>(r.config->processors, "batch").timeout, 5ns);
  r = timeout("0");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(settings_of<BatchProcessorConfig>(r.config->processors, "batch").timeout, 0ns);
  EXPECT_TRUE(fails_with(timeout("-5"),
                         {"processors::batch::timeout", "duration -5 must not be negative"}));
  EXPECT_TRUE(fails_with(timeout("1.5"),
                         {"processors::batch::timeout", "expected a duration", "got float 1.5"}));
  EXPECT_TRUE(fails_with(timeout("\"5\""), {"expected a duration", "got string \"5\""}));
  EXPECT_TRUE(fails_with(timeout("[1s]"), {"expected a duration", "got a list"}));
}

TEST(SplitEndpoint, AcceptsHostPortForms) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  for (const Case& c :
       {Case{"localhost:4317", "localhost", 4317}, Case{"0.0.0.0:0", "0.0.0.0", 0},
        Case{":4318", "", 4318}, Case{"[::1]:4317", "::1", 4317}, Case{"[::]:65535", "::", 65535},
        Case{"example.com:80", "example.com", 80}}) {
    SCOPED_TRACE(c.text);
    std::string host = "unchanged";
    std::uint16_t port = 1;
    ASSERT_TRUE(split_endpoint(c.text, host, port));
    EXPECT_EQ(host, c.host);
    EXPECT_EQ(port, c.port);
  }
}

TEST(SplitEndpoint, RejectsMalformed) {
  for (const char* text :
       {"", "localhost", "localhost:", "h:65536", "h:-1", "h:+1", "h:0x50", "h:123456", "::1:80",
        "[::1]", "[::1]80", "[]:80", "[v4only]:80", "h:80/x", "http://h:80", "h :80", "[::1:80"}) {
    SCOPED_TRACE(text);
    std::string host;
    std::uint16_t port = 0;
    EXPECT_FALSE(split_endpoint(text, host, port));
  }
}

// Attribute values keep the YAML type of a plain scalar, as go-yaml
// resolves it; quoting makes a string.
TEST(ScalarTyping, FollowsTheCollectorsYamlParser) {
  struct Case {
    const char* yaml;
    ConfigValue want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case& c :
       {Case{"-7", std::int64_t{-7}}, Case{"0x1F", std::int64_t{31}},
        Case{"0o17", std::int64_t{15}}, Case{"0b101", std::int64_t{5}}, Case{"1e3", 1000.0},
        Case{"-.5", -0.5}, Case{".inf", inf}, Case{"True", true}, Case{"FALSE", false},
        Case{"yes", std::string("yes")}, Case{"\"true\"", std::string("true")},
        Case{"'12'", std::string("12")}, Case{"!!str 12", std::string("12")},
        Case{"1_000", std::string("1_000")}, Case{"12abc", std::string("12abc")}}) {
    SCOPED_TRACE(c.yaml);
    LoadResult r = test::load_over_minimal(std::string("processors:\n  attributes:\n    actions:\n"
                                                       "      - {key: k, action: insert, value: ") +
                                           c.yaml + "}\n");
    ASSERT_TRUE(loads_cleanly(r));
    const auto& a = settings_of<AttributesProcessorConfig>(r.config->processors, "attributes");
    EXPECT_EQ(a.actions[0].value, std::optional<ConfigValue>(c.want));
  }
  LoadResult r = test::load_over_minimal(
      "processors:\n  attributes:\n    actions: [{key: k, action: insert, value: "
      "9223372036854775808}]\n");
  EXPECT_TRUE(fails_with(r, {"actions[0]::value", "out of 64-bit range"}));
  r = test::load_over_minimal(
      "processors:\n  attributes:\n    actions: [{key: k, action: insert, value: ~}]\n");
  EXPECT_TRUE(fails_with(r, {"actions[0]", "value or from_attribute is required"}));
}

}  // namespace
}  // namespace spanline::collector
