#include "spanline/telemetry/sdk/sampler.h"

#include <gtest/gtest.h>

namespace spanline::telemetry {
namespace {

SamplingDecision decide(const Sampler& s, const Context& parent, const TraceId& id) {
  return s.should_sample({parent, id, "op", SpanKind::kInternal, {}, {}}).decision;
}

TraceId id_with_low(std::uint64_t low) {
  TraceId id;
  id.bytes()[0] = 1;
  for (int i = 0; i < 8; ++i) id.bytes()[15 - i] = static_cast<std::uint8_t>(low >> (8 * i));
  return id;
}

Context parent(bool sampled, bool remote) {
  SpanContext sc(*TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"),
                 *SpanId::from_hex("00f067aa0ba902b7"), TraceFlags(sampled ? 1 : 0), remote);
  return Context{}.with_span(sc);
}

TEST(Sampler, AlwaysOnAndOff) {
  auto on = make_always_on_sampler();
  auto off = make_always_off_sampler();
  EXPECT_EQ(decide(*on, {}, id_with_low(1)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*off, {}, id_with_low(1)), SamplingDecision::kDrop);
  EXPECT_EQ(on->description(), "AlwaysOnSampler");
  EXPECT_EQ(off->description(), "AlwaysOffSampler");
}

TEST(Sampler, TraceIdRatioUsesLowerEightBytes) {
  auto half = make_trace_id_ratio_sampler(0.5);
  EXPECT_EQ(decide(*half, {}, id_with_low(0)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*half, {}, id_with_low(0x7fffffffffffffffULL)),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*half, {}, id_with_low(0x8000000000000000ULL)), SamplingDecision::kDrop);
  EXPECT_EQ(decide(*make_trace_id_ratio_sampler(0), {}, id_with_low(0)), SamplingDecision::kDrop);
  EXPECT_EQ(decide(*make_trace_id_ratio_sampler(1), {}, id_with_low(~0ULL)),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(half->description(), "TraceIdRatioBased{0.500000}");
}

TEST(Sampler, TraceIdRatioSamplesAboutTheRatio) {
  auto s = make_trace_id_ratio_sampler(0.25);
  auto& gen = RandomIdGenerator::instance();
  int sampled = 0;
  for (int i = 0; i < 20000; ++i)
    sampled += decide(*s, {}, gen.new_trace_id()) == SamplingDecision::kRecordAndSample;
  EXPECT_GT(sampled, 4500);
  EXPECT_LT(sampled, 5500);
}

TEST(Sampler, ParentBasedDelegatesByParentKind) {
  auto s = make_parent_based_sampler(make_always_off_sampler());
  EXPECT_EQ(decide(*s, {}, id_with_low(1)), SamplingDecision::kDrop);  // root → always_off
  EXPECT_EQ(decide(*s, parent(true, true), id_with_low(1)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*s, parent(false, true), id_with_low(1)), SamplingDecision::kDrop);
  EXPECT_EQ(decide(*s, parent(true, false), id_with_low(1)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*s, parent(false, false), id_with_low(1)), SamplingDecision::kDrop);
  ParentBasedOptions custom;
  custom.root = make_always_on_sampler();
  custom.remote_parent_not_sampled = make_always_on_sampler();
  auto c = make_parent_based_sampler(std::move(custom));
  EXPECT_EQ(decide(*c, parent(false, true), id_with_low(1)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(decide(*c, parent(false, false), id_with_low(1)), SamplingDecision::kDrop);
  EXPECT_NE(c->description().find("ParentBased{root:AlwaysOnSampler"), std::string::npos);
}

TEST(Sampler, FromEnvNames) {
  std::string w;
  EXPECT_EQ(make_sampler("", "", &w)->description().rfind("ParentBased{root:AlwaysOnSampler", 0),
            0u);
  EXPECT_EQ(make_sampler("always_on", "", &w)->description(), "AlwaysOnSampler");
  EXPECT_EQ(make_sampler("ALWAYS_OFF", "", &w)->description(), "AlwaysOffSampler");
  EXPECT_EQ(make_sampler("traceidratio", "0.1", &w)->description(), "TraceIdRatioBased{0.100000}");
  EXPECT_EQ(make_sampler("parentbased_always_off", "", &w)
                ->description()
                .rfind("ParentBased{root:AlwaysOffSampler", 0),
            0u);
  EXPECT_EQ(make_sampler("parentbased_traceidratio", "0.5", &w)
                ->description()
                .rfind("ParentBased{root:TraceIdRatioBased{0.500000}", 0),
            0u);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(make_sampler("traceidratio", "1.5", &w)->description(), "TraceIdRatioBased{1.000000}");
  EXPECT_NE(w.find("OTEL_TRACES_SAMPLER_ARG"), std::string::npos);
  w.clear();
  EXPECT_EQ(make_sampler("traceidratio", "abc", &w)->description(), "TraceIdRatioBased{1.000000}");
  EXPECT_FALSE(w.empty());
  w.clear();
  EXPECT_EQ(make_sampler("jaeger_remote", "", &w)->description().rfind("ParentBased", 0), 0u);
  EXPECT_NE(w.find("jaeger_remote"), std::string::npos);
}

}  // namespace
}  // namespace spanline::telemetry
