#include "spanline/telemetry/api/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace spanline::telemetry {
namespace {

TEST(Ids, HexRoundTrip) {
  auto id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->is_valid());
  EXPECT_EQ(id->to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(id->bytes()[0], 0x4b);
  EXPECT_EQ(id->bytes()[15], 0x36);
}

TEST(Ids, RejectsUppercaseWrongLengthAndNonHex) {
  EXPECT_FALSE(TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736"));
  EXPECT_FALSE(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473"));
  EXPECT_FALSE(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e47366"));
  EXPECT_FALSE(SpanId::from_hex("00f067aa0ba902bg"));
  EXPECT_FALSE(SpanId::from_hex(""));
}

TEST(Ids, AllZeroParsesButIsInvalid) {
  auto id = SpanId::from_hex("0000000000000000");
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->is_valid());
  EXPECT_FALSE(TraceId{}.is_valid());
}

// One non-zero bit anywhere makes an id valid (is_valid reads words).
TEST(Ids, AnyNonZeroByteMakesAnIdValid) {
  for (std::size_t i = 0; i < TraceId::kSize; ++i) {
    for (std::uint8_t bit : {std::uint8_t{1}, std::uint8_t{0x80}}) {
      TraceId t;
      t.bytes()[i] = bit;
      EXPECT_TRUE(t.is_valid()) << i;
      if (i < SpanId::kSize) {
        SpanId s;
        s.bytes()[i] = bit;
        EXPECT_TRUE(s.is_valid()) << i;
      }
    }
  }
  EXPECT_FALSE(SpanId{}.is_valid());
}

TEST(Ids, FromBytesNeedsExactSize) {
  EXPECT_TRUE(SpanId::from_bytes(std::string(8, '\x01')));
  EXPECT_FALSE(SpanId::from_bytes(std::string(7, '\x01')));
  EXPECT_FALSE(TraceId::from_bytes(std::string(17, '\x01')));
}

TEST(Ids, GeneratorProducesValidDistinctIds) {
  auto& gen = RandomIdGenerator::instance();
  std::set<TraceId> traces;
  std::set<SpanId> spans;
  for (int i = 0; i < 10000; ++i) {
    auto t = gen.new_trace_id();
    auto s = gen.new_span_id();
    ASSERT_TRUE(t.is_valid());
    ASSERT_TRUE(s.is_valid());
    traces.insert(t);
    spans.insert(s);
  }
  EXPECT_EQ(traces.size(), 10000u);
  EXPECT_EQ(spans.size(), 10000u);
}

TEST(Ids, ThreadsGetIndependentStreams) {
  std::vector<SpanId> a(1000), b(1000);
  std::thread ta([&] {
    for (auto& s : a) s = RandomIdGenerator::instance().new_span_id();
  });
  std::thread tb([&] {
    for (auto& s : b) s = RandomIdGenerator::instance().new_span_id();
  });
  ta.join();
  tb.join();
  std::set<SpanId> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 2000u);
}

TEST(TraceFlagsTest, SampledBitOnlyBitZero) {
  EXPECT_TRUE(TraceFlags(0x01).sampled());
  EXPECT_TRUE(TraceFlags(0x03).sampled());
  EXPECT_FALSE(TraceFlags(0x02).sampled());
  EXPECT_EQ(TraceFlags(0x02).bits(), 0x02);
}

}  // namespace
}  // namespace spanline::telemetry
