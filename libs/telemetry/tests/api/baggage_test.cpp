#include "spanline/telemetry/api/baggage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spanline::telemetry {
namespace {

TEST(Baggage, ParsesAndPercentDecodesValues) {
  auto b = Baggage::parse("userId=alice,serverNode=DF%2028,isProduction=false");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.get("userId"), "alice");
  EXPECT_EQ(b.get("serverNode"), "DF 28");
  EXPECT_EQ(b.get("isProduction"), "false");
  EXPECT_EQ(b.entries()[1].name, "serverNode");
  EXPECT_FALSE(b.get("missing"));
}

TEST(Baggage, DecodesMultiByteUtf8AndLowercaseEscapes) {
  auto b = Baggage::parse("city=S%C3%A3o%20Paulo,pct=100%25,lc=%c3%a9");
  EXPECT_EQ(b.get("city"), "S\xc3\xa3o Paulo");
  EXPECT_EQ(b.get("pct"), "100%");
  EXPECT_EQ(b.get("lc"), "\xc3\xa9");
}

TEST(Baggage, TrimsWhitespaceAroundNamesAndValues) {
  auto b = Baggage::parse(std::vector<std::string_view>{
      "userId =   alice", "serverNode = DF%2028, isProduction = false"});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.get("userId"), "alice");
  EXPECT_EQ(b.get("serverNode"), "DF 28");
  EXPECT_EQ(b.get("isProduction"), "false");
  EXPECT_EQ(Baggage::parse("\t k \t=\t v \t").get("k"), "v");
}

TEST(Baggage, KeepsPropertiesVerbatim) {
  auto b = Baggage::parse(
      "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.entries()[0].metadata, "property1;property2");
  EXPECT_EQ(b.entries()[1].metadata, "");
  EXPECT_EQ(b.entries()[2].metadata, "propertyKey=propertyValue");
  EXPECT_EQ(b.get("key1"), "value1");

  auto spaced = Baggage::parse("k=v ; p1 ; p2 = x%20y ");
  ASSERT_EQ(spaced.size(), 1u);
  EXPECT_EQ(spaced.get("k"), "v");
  EXPECT_EQ(spaced.entries()[0].metadata, "p1 ; p2 = x%20y");
}

TEST(Baggage, ValuesMayContainEqualsSignsAndBeEmpty) {
  auto b = Baggage::parse("k=a=b==,e=");
  EXPECT_EQ(b.get("k"), "a=b==");
  EXPECT_EQ(b.get("e"), "");
}

TEST(Baggage, MalformedMembersAreSkipped) {
  auto b = Baggage::parse(
      "novalue,=v,k=v v,q=\"x\",bad key=1,ok=1,pct=%zz,short=%4,end=%,"
      "back=a\\b,noprop=v;,emptyprop=v;;p,badprop=v;p q,badpropval=v;p=a b,tab=a\tb,"
      "ctl=\x01,hi=\xc3\xa9,ok2=2");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.get("ok"), "1");
  EXPECT_EQ(b.get("ok2"), "2");
}

TEST(Baggage, EmptyInputsYieldEmptyBaggage) {
  EXPECT_TRUE(Baggage::parse("").empty());
  EXPECT_TRUE(Baggage::parse(" , ,\t").empty());
  EXPECT_TRUE(Baggage::parse(std::vector<std::string_view>{}).empty());
}

TEST(Baggage, LaterDuplicateOverridesEarlier) {
  auto b = Baggage::parse("a=1;p,b=2,a=3");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.get("a"), "3");
  EXPECT_EQ(b.entries()[0].metadata, "");
  auto across = Baggage::parse(std::vector<std::string_view>{"a=1", "a=2"});
  EXPECT_EQ(across.get("a"), "2");
}

TEST(Baggage, MemberLimitDropsTheRest) {
  std::string header;
  for (int i = 0; i < 200; ++i) header += "k" + std::to_string(i) + "=v,";
  auto b = Baggage::parse(header);
  EXPECT_EQ(b.size(), Baggage::kMaxMembers);
  EXPECT_TRUE(b.get("k179"));
  EXPECT_FALSE(b.get("k180"));
}

TEST(Baggage, ByteLimitDropsMembersThatDoNotFit) {
  const std::string big(4000, 'x');
  // a and b fill 2 * 4002 + 1 = 8005 bytes; c would pass 8192; d still fits.
  auto b = Baggage::parse("a=" + big + ",b=" + big + ",c=" + std::string(200, 'y') + ",d=1");
  EXPECT_TRUE(b.get("a"));
  EXPECT_TRUE(b.get("b"));
  EXPECT_FALSE(b.get("c"));
  EXPECT_EQ(b.get("d"), "1");
  EXPECT_LE(b.to_header().size(), Baggage::kMaxBytes);
  EXPECT_EQ(Baggage::parse(b.to_header()), b);

  // The limit counts the encoded form: 3000 spaces are 9000 bytes on the wire.
  std::string spaces;
  for (int i = 0; i < 3000; ++i) spaces += "%20";
  EXPECT_FALSE(Baggage::parse("s=" + spaces).get("s"));
}

TEST(Baggage, SetGetErase) {
  Baggage b;
  EXPECT_TRUE(b.set("user", "alice"));
  EXPECT_TRUE(b.set("tier", "gold", "ttl=60"));
  EXPECT_TRUE(b.set("user", "bob"));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.entries()[0].name, "user");
  EXPECT_EQ(b.get("user"), "bob");
  EXPECT_EQ(b.entries()[1].metadata, "ttl=60");
  b.erase("user");
  b.erase("missing");
  EXPECT_EQ(b.size(), 1u);
  EXPECT_FALSE(b.get("user"));
}

TEST(Baggage, SetRejectsInvalidNamesAndMetadata) {
  Baggage b;
  EXPECT_FALSE(b.set("", "v"));
  EXPECT_FALSE(b.set("with space", "v"));
  EXPECT_FALSE(b.set("comma,", "v"));
  EXPECT_FALSE(b.set("k", "v", "a,b"));
  EXPECT_FALSE(b.set("k", "v", "p q"));
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.set("k", "any value, even ; and \"quotes\"", " p1;p2=x "));
  EXPECT_EQ(b.entries()[0].metadata, "p1;p2=x");
}

TEST(Baggage, ToHeaderPercentEncodesValues) {
  Baggage b;
  b.set("serverNode", "DF 28");
  b.set("raw", "a,b;c\\d\"e%f=g");
  b.set("utf8", "\xc3\xa9");
  b.set("meta", "v", "p1;p2=x");
  EXPECT_EQ(b.to_header(),
            "serverNode=DF%2028,raw=a%2Cb%3Bc%5Cd%22e%25f=g,utf8=%C3%A9,meta=v;p1;p2=x");
  EXPECT_EQ(Baggage::parse(b.to_header()), b);
  EXPECT_EQ(Baggage().to_header(), "");
}

TEST(Baggage, ToHeaderLeavesOutEntriesPastTheByteLimit) {
  Baggage b;
  b.set("a", std::string(5000, 'x'));
  b.set("b", std::string(5000, 'y'));
  b.set("c", "small");
  const auto header = b.to_header();
  EXPECT_LE(header.size(), Baggage::kMaxBytes);
  auto back = Baggage::parse(header);
  EXPECT_TRUE(back.get("a"));
  EXPECT_FALSE(back.get("b"));
  EXPECT_EQ(back.get("c"), "small");
}

TEST(Baggage, ParsedBaggageRoundTrips) {
  auto b = Baggage::parse(" a = 1 ; p ;q=2 , b=%41%2c , c= ");
  EXPECT_EQ(b.to_header(), "a=1;p ;q=2,b=A%2C,c=");
  EXPECT_EQ(Baggage::parse(b.to_header()), b);
}

}  // namespace
}  // namespace spanline::telemetry
