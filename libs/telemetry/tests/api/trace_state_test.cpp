#include "spanline/telemetry/api/trace_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spanline::telemetry {
namespace {

// Every character the W3C grammar allows in a key and in a value (the set the
// W3C test suite's test_tracestate_all_allowed_characters uses).
const std::string kAllKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
std::string all_value_chars() {
  std::string v;
  for (char c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') v += c;
  }
  return v;
}

std::string numbered_members(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) {
    if (!out.empty()) out += ',';
    out += "bar" + std::to_string(i) + "=" + std::to_string(i);
  }
  return out;
}

TEST(TraceState, ParsesListInOrder) {
  auto ts = TraceState::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(ts);
  ASSERT_EQ(ts->size(), 2u);
  EXPECT_EQ(ts->members()[0].first, "rojo");
  EXPECT_EQ(ts->members()[1].first, "congo");
  EXPECT_EQ(ts->get("rojo"), "00f067aa0ba902b7");
  EXPECT_EQ(ts->get("congo"), "t61rcWkgMzE");
  EXPECT_FALSE(ts->get("missing"));
}

TEST(TraceState, EmptyAndWhitespaceOnlyHeadersAreEmptyLists) {
  for (const char* h : {"", " ", "\t", ",", " , ,\t,", ",,,"}) {
    auto ts = TraceState::parse(h);
    ASSERT_TRUE(ts) << '"' << h << '"';
    EXPECT_TRUE(ts->empty());
  }
}

TEST(TraceState, OptionalWhitespaceAroundMembers) {
  for (const char* h : {"foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"}) {
    auto ts = TraceState::parse(h);
    ASSERT_TRUE(ts) << h;
    EXPECT_EQ(ts->to_header(), "foo=1,bar=2,baz=3");
  }
  for (const char* h : {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"}) {
    auto ts = TraceState::parse(h);
    ASSERT_TRUE(ts) << '"' << h << '"';
    EXPECT_EQ(ts->get("foo"), "1");
  }
}

TEST(TraceState, LeadingSpacesBelongToTheValue) {
  auto ts = TraceState::parse("foo=  x  ,bar=y");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->get("foo"), "  x");
}

TEST(TraceState, EmptyMembersAreSkipped) {
  for (const char* h : {"foo=1,,bar=2", ",foo=1,bar=2,", "foo=1, ,bar=2", "foo=1,\t,bar=2"}) {
    auto ts = TraceState::parse(h);
    ASSERT_TRUE(ts) << h;
    EXPECT_EQ(ts->to_header(), "foo=1,bar=2");
  }
}

TEST(TraceState, SeveralHeadersAreOneList) {
  auto ts =
      TraceState::parse(std::vector<std::string_view>{"foo=1,bar=2", "rojo=1,congo=2", "baz=3"});
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->to_header(), "foo=1,bar=2,rojo=1,congo=2,baz=3");

  for (auto headers :
       {std::vector<std::string_view>{"foo=1", ""}, std::vector<std::string_view>{"", "foo=1"}}) {
    auto one = TraceState::parse(headers);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->to_header(), "foo=1");
  }
  auto none = TraceState::parse(std::vector<std::string_view>{});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(TraceState, DuplicateKeysInvalidateTheWholeList) {
  EXPECT_FALSE(TraceState::parse("foo=1,foo=1"));
  EXPECT_FALSE(TraceState::parse("foo=1,foo=2"));
  EXPECT_FALSE(TraceState::parse("foo=1,bar=2,foo=3"));
  EXPECT_FALSE(TraceState::parse(std::vector<std::string_view>{"foo=1", "foo=1"}));
  EXPECT_FALSE(TraceState::parse(std::vector<std::string_view>{"foo=1", "foo=2"}));
  // Tenants of one system are distinct keys.
  EXPECT_TRUE(TraceState::parse("a@sys=1,b@sys=2,sys=3"));
}

TEST(TraceState, AtMost32Members) {
  auto full = TraceState::parse(
      std::vector<std::string_view>{numbered_members(1, 10), numbered_members(11, 20),
                                    numbered_members(21, 30), numbered_members(31, 32)});
  ASSERT_TRUE(full);
  EXPECT_EQ(full->size(), 32u);
  EXPECT_EQ(full->get("bar1"), "1");

  EXPECT_FALSE(TraceState::parse(numbered_members(1, 33)));
  EXPECT_FALSE(TraceState::parse(
      std::vector<std::string_view>{numbered_members(1, 10), numbered_members(11, 20),
                                    numbered_members(21, 30), numbered_members(31, 33)}));
  // Empty members do not count.
  EXPECT_TRUE(TraceState::parse(numbered_members(1, 32) + ",,, ,"));
}

TEST(TraceState, ValidKeys) {
  EXPECT_TRUE(TraceState::is_valid_key("a"));
  EXPECT_TRUE(TraceState::is_valid_key(kAllKeyChars));
  EXPECT_TRUE(TraceState::is_valid_key(kAllKeyChars + "@a-z0-9_-*/"));
  EXPECT_TRUE(TraceState::is_valid_key(std::string(256, 'z')));
  EXPECT_TRUE(TraceState::is_valid_key(std::string(241, 't') + "@" + std::string(14, 'v')));
  EXPECT_TRUE(TraceState::is_valid_key("0tenant@vendor"));  // tenant-id may start with a digit
}

TEST(TraceState, InvalidKeys) {
  for (std::string key : {"", "FOO", "Foo", "foo ", " foo", "foo.bar", "foo=", "1abc", "_abc",
                          "foo@", "@foo", "foo@@bar", "foo@bar@baz", "t@1v", "t@V", "é"}) {
    EXPECT_FALSE(TraceState::is_valid_key(key)) << key;
  }
  EXPECT_FALSE(TraceState::is_valid_key(std::string(257, 'z')));
  EXPECT_FALSE(TraceState::is_valid_key(std::string(242, 't') + "@v"));
  EXPECT_FALSE(TraceState::is_valid_key("t@" + std::string(15, 'v')));
}

TEST(TraceState, ValidValues) {
  EXPECT_TRUE(TraceState::is_valid_value("1"));
  EXPECT_TRUE(TraceState::is_valid_value(" leading"));
  EXPECT_TRUE(TraceState::is_valid_value("in side"));
  EXPECT_TRUE(TraceState::is_valid_value(all_value_chars()));
  EXPECT_TRUE(TraceState::is_valid_value(std::string(256, 'v')));
}

TEST(TraceState, InvalidValues) {
  for (std::string value : {"", " ", "trailing ", "a,b", "a=b", "tab\t", "\x7f", "nl\n", "é"}) {
    EXPECT_FALSE(TraceState::is_valid_value(value)) << value;
  }
  EXPECT_FALSE(TraceState::is_valid_value(std::string(257, 'v')));
  EXPECT_FALSE(TraceState::is_valid_value(std::string("a\0b", 3)));
}

TEST(TraceState, AllAllowedCharactersRoundTrip) {
  const std::string value = all_value_chars();
  for (const std::string& key : {kAllKeyChars, kAllKeyChars + "@a-z0-9_-*/"}) {
    auto ts = TraceState::parse(key + "=" + value);
    ASSERT_TRUE(ts) << key;
    EXPECT_EQ(ts->get(key), value);
    EXPECT_EQ(TraceState::parse(ts->to_header()), ts);
  }
}

TEST(TraceState, MalformedMemberInvalidatesTheList) {
  for (const char* h : {"foo =1", "FOO=1", "foo.bar=1", "foo=bar=baz", "foo=,bar=3", "foo", "=1",
                        "foo@=1,bar=2", "@foo=1,bar=2", "foo@@bar=1,bar=2", "foo@bar@baz=1,bar=2",
                        "foo=1,bar", "foo=a\tb", "foo= "}) {
    EXPECT_FALSE(TraceState::parse(h)) << h;
  }
}

TEST(TraceState, LengthLimits) {
  EXPECT_TRUE(
      TraceState::parse(std::vector<std::string_view>{"foo=1", std::string(256, 'z') + "=1"}));
  EXPECT_FALSE(
      TraceState::parse(std::vector<std::string_view>{"foo=1", std::string(257, 'z') + "=1"}));
  EXPECT_TRUE(TraceState::parse("foo=" + std::string(256, 'v')));
  EXPECT_FALSE(TraceState::parse("foo=" + std::string(257, 'v')));
  // Trailing OWS is not part of a 256-character value.
  EXPECT_TRUE(TraceState::parse("foo=" + std::string(256, 'v') + "   "));
  EXPECT_TRUE(TraceState::parse(std::string(241, 't') + "@" + std::string(14, 'v') + "=1,foo=1"));
  EXPECT_FALSE(TraceState::parse(std::string(242, 't') + "@v=1,foo=1"));
  EXPECT_FALSE(TraceState::parse("t@" + std::string(15, 'v') + "=1,foo=1"));
}

TEST(TraceState, SetAddsToTheFront) {
  TraceState ts = *TraceState::parse("rojo=00f067aa0ba902b7");
  EXPECT_TRUE(ts.set("congo", "t61rcWkgMzE"));
  EXPECT_EQ(ts.to_header(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

TEST(TraceState, SetUpdatesAndMovesToTheFront) {
  TraceState ts = *TraceState::parse("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  EXPECT_TRUE(ts.set("rojo", "new"));
  EXPECT_EQ(ts.to_header(), "rojo=new,congo=ucfJifl5GOE");
  EXPECT_EQ(ts.size(), 2u);
}

TEST(TraceState, SetRejectsInvalidInputUnchanged) {
  TraceState ts = *TraceState::parse("a=1");
  EXPECT_FALSE(ts.set("Bad", "1"));
  EXPECT_FALSE(ts.set("ok", "bad,value"));
  EXPECT_FALSE(ts.set("ok", ""));
  EXPECT_FALSE(ts.set("a", "x "));
  EXPECT_EQ(ts.to_header(), "a=1");
}

TEST(TraceState, SetOnAFullListDropsTheLast) {
  TraceState ts = *TraceState::parse(numbered_members(1, 32));
  EXPECT_TRUE(ts.set("new", "v"));
  EXPECT_EQ(ts.size(), 32u);
  EXPECT_EQ(ts.members().front().first, "new");
  EXPECT_FALSE(ts.get("bar32"));
  EXPECT_TRUE(ts.get("bar31"));

  // Updating an existing key of a full list drops nothing else.
  EXPECT_TRUE(ts.set("bar31", "x"));
  EXPECT_EQ(ts.size(), 32u);
  EXPECT_TRUE(ts.get("bar30"));
  EXPECT_EQ(ts.members().front().first, "bar31");
}

TEST(TraceState, Erase) {
  TraceState ts = *TraceState::parse("a=1,b=2,c=3");
  ts.erase("b");
  ts.erase("missing");
  EXPECT_EQ(ts.to_header(), "a=1,c=3");
}

TEST(TraceState, ToHeaderHasNoWhitespaceAndRoundTrips) {
  auto ts = TraceState::parse(" a=1 ,\tb@c= 2\t, ");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->to_header(), "a=1,b@c= 2");
  EXPECT_EQ(TraceState::parse(ts->to_header()), ts);
  EXPECT_EQ(TraceState().to_header(), "");
}

}  // namespace
}  // namespace spanline::telemetry
