#include "task-worker/latency.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

namespace tw = spanline::taskflow::worker;
using std::chrono::milliseconds;

TEST(ParseLatency, AcceptsFixedValuesAndRanges) {
  struct Case {
    const char* text;
    tw::LatencyRange want;
  };
  for (const Case& c : {Case{"0", {0, 0}}, Case{"50", {50, 50}}, Case{"20-80", {20, 80}},
                        Case{" 20 - 80 ", {20, 80}}, Case{"5-5", {5, 5}}, Case{"007", {7, 7}},
                        Case{"60000", {60000, 60000}}, Case{"0-60000", {0, 60000}}}) {
    const auto r = tw::parse_latency_ms(c.text);
    EXPECT_TRUE(r.ok()) << c.text << ": " << r.error;
    EXPECT_EQ(r.range, c.want) << c.text;
  }
}

TEST(ParseLatency, EmptyMeansUnset) {
  for (const char* text : {"", "  ", "\t"}) {
    const auto r = tw::parse_latency_ms(text);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.range, (tw::LatencyRange{0, 0}));
  }
}

TEST(ParseLatency, RejectsMalformedValuesWithAClearMessage) {
  for (const char* text :
       {"abc", "-5", "5-", "-", "1.5", "+5", "20-80-100", "0x10", "5ms", "20 80", "1e3", "２０"}) {
    const auto r = tw::parse_latency_ms(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error.find("WORKER_LATENCY_MS=\"" + std::string(text) + "\""), std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("N or MIN-MAX"), std::string::npos) << r.error;
  }
}

TEST(ParseLatency, RejectsReversedAndTooLargeRanges) {
  auto r = tw::parse_latency_ms("80-20");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("minimum 80 is greater than the maximum 20"), std::string::npos)
      << r.error;
  for (const char* text : {"60001", "10-60001", "99999999999999999999999"}) {
    r = tw::parse_latency_ms(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error.find("at most 60000"), std::string::npos) << r.error;
  }
}

TEST(PickLatency, FixedDelayNeedsNoRandomness) {
  int calls = 0;
  const tw::RandomSource counting = [&] {
    ++calls;
    return std::uint64_t{0};
  };
  EXPECT_EQ(tw::pick_latency({0, 0}, counting), milliseconds(0));
  EXPECT_EQ(tw::pick_latency({50, 50}, counting), milliseconds(50));
  EXPECT_EQ(calls, 0);
}

TEST(PickLatency, RangeBoundsAreInclusive) {
  const tw::LatencyRange range{20, 80};
  EXPECT_EQ(tw::pick_latency(range, [] { return std::uint64_t{0}; }), milliseconds(20));
  EXPECT_EQ(tw::pick_latency(range, [] { return std::uint64_t{60}; }), milliseconds(80));
  EXPECT_EQ(tw::pick_latency(range, [] { return std::uint64_t{61}; }), milliseconds(20));
  const auto top =
      tw::pick_latency(range, [] { return std::numeric_limits<std::uint64_t>::max(); });
  EXPECT_GE(top, milliseconds(20));
  EXPECT_LE(top, milliseconds(80));
}

TEST(PickLatency, ConsecutiveSourceValuesCoverTheRangeExactlyOnce) {
  std::uint64_t next = 1000;
  const tw::RandomSource counter = [&] { return next++; };
  std::multiset<long> seen;
  for (int i = 0; i < 61; ++i) seen.insert(tw::pick_latency({20, 80}, counter).count());
  for (long ms = 20; ms <= 80; ++ms) EXPECT_EQ(seen.count(ms), 1u) << ms;
}

TEST(PickLatency, DefaultSourceStaysInRange) {
  std::set<long> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto ms = tw::pick_latency({3, 7}).count();
    ASSERT_GE(ms, 3);
    ASSERT_LE(ms, 7);
    seen.insert(ms);
  }
  EXPECT_EQ(seen.size(), 5u);  // all five values; missing one has odds of ~5 * 0.8^2000
}
