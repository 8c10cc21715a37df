#include "spanline/telemetry/api/propagation.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <initializer_list>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace spanline::telemetry {
namespace {

constexpr std::string_view kTraceHex = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpanHex = "00f067aa0ba902b7";
constexpr std::string_view kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
// The W3C test suite's ids.
constexpr std::string_view kSuiteTrace = "12345678901234567890123456789012";

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// An HTTP-like header list: names compare case-insensitively, repeats kept in
// order. Records the names it was asked for, to check they are lowercase.
class Headers final : public TextMapGetter, public TextMapSetter {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> headers) : headers_(headers) {}

  HeaderValues get_all(std::string_view name) const override {
    asked_.emplace_back(name);
    HeaderValues out;
    for (const auto& [k, v] : headers_) {
      if (iequals(k, name)) out.push_back(v);
    }
    return out;
  }
  void set(std::string_view name, std::string_view value) override {
    std::erase_if(headers_, [&](const auto& h) { return iequals(h.first, name); });
    headers_.emplace_back(name, value);
  }
  void add(std::string_view name, std::string_view value) { headers_.emplace_back(name, value); }

  std::optional<std::string> value(std::string_view name) const {
    for (const auto& [k, v] : headers_) {
      if (iequals(k, name)) return v;
    }
    return std::nullopt;
  }
  std::size_t size() const { return headers_.size(); }
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
  mutable std::vector<std::string> asked_;
};

std::string traceparent(std::string_view version, std::string_view flags = "01",
                        std::string_view tail = "") {
  return std::string(version) + "-" + std::string(kSuiteTrace) + "-1234567890123456-" +
         std::string(flags) + std::string(tail);
}

SpanContext sample_context(std::uint8_t flags = 1) {
  return SpanContext(*TraceId::from_hex(kTraceHex), *SpanId::from_hex(kSpanHex), TraceFlags(flags),
                     false);
}

// ---- traceparent codec ----------------------------------------------------

TEST(Traceparent, ParsesVersion00) {
  auto sc = parse_traceparent(kParent);
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->trace_id().to_hex(), kTraceHex);
  EXPECT_EQ(sc->span_id().to_hex(), kSpanHex);
  EXPECT_TRUE(sc->is_sampled());
  EXPECT_TRUE(sc->is_remote());
  EXPECT_TRUE(sc->trace_state().empty());
  EXPECT_FALSE(parse_traceparent(traceparent("00", "00"))->is_sampled());
}

TEST(Traceparent, Version00KeepsReservedFlagBits) {
  auto sc = parse_traceparent(traceparent("00", "09"));
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->trace_flags().bits(), 0x09);
  EXPECT_TRUE(sc->is_sampled());
  EXPECT_EQ(parse_traceparent(traceparent("00", "ff"))->trace_flags().bits(), 0xff);
  EXPECT_FALSE(parse_traceparent(traceparent("00", "02"))->is_sampled());
}

TEST(Traceparent, RejectsUppercaseHex) {
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parse_traceparent(traceparent("00", "0A")));
  EXPECT_FALSE(parse_traceparent(traceparent("0A")));
  EXPECT_FALSE(parse_traceparent(traceparent("CC")));
}

TEST(Traceparent, RejectsVersionFf) {
  EXPECT_FALSE(parse_traceparent(traceparent("ff")));
  EXPECT_FALSE(parse_traceparent(traceparent("ff", "01", "-more")));
}

TEST(Traceparent, Version00MustBeExactly55Characters) {
  EXPECT_FALSE(parse_traceparent(traceparent("00", "01", ".")));
  EXPECT_FALSE(parse_traceparent(traceparent("00", "01", "-what-the-future-will-be-like")));
  EXPECT_FALSE(parse_traceparent(traceparent("00", "01", "-")));
  EXPECT_FALSE(parse_traceparent(traceparent("00", "01", " ")));
}

TEST(Traceparent, HigherVersionsAreReadForwardCompatibly) {
  for (auto version : {"01", "cc", "fe"}) {
    for (auto tail : {"", "-", "-what-the-future-will-be-like", "-\x01\xff"}) {
      auto sc = parse_traceparent(traceparent(version, "01", tail));
      ASSERT_TRUE(sc) << version << tail;
      EXPECT_EQ(sc->trace_id().to_hex(), kSuiteTrace);
      EXPECT_EQ(sc->span_id().to_hex(), "1234567890123456");
      EXPECT_TRUE(sc->is_sampled());
    }
    // 55 characters followed by anything but '-' is not a later version's layout.
    EXPECT_FALSE(
        parse_traceparent(traceparent(version, "01", ".what-the-future-will-not-be-like")));
    EXPECT_FALSE(parse_traceparent(traceparent(version, "01", "0")));
    EXPECT_FALSE(parse_traceparent(traceparent(version, "01", " ")));
  }
}

TEST(Traceparent, HigherVersionsKeepOnlyTheSampledBit) {
  EXPECT_EQ(parse_traceparent(traceparent("01", "ff"))->trace_flags().bits(), 0x01);
  EXPECT_EQ(parse_traceparent(traceparent("cc", "fe", "-x"))->trace_flags().bits(), 0x00);
  // Flags are still two lowercase hex digits.
  EXPECT_FALSE(parse_traceparent(traceparent("01", "0g")));
  EXPECT_FALSE(parse_traceparent(traceparent("01", "0F")));
}

TEST(Traceparent, RejectsAllZeroIds) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-1234567890123456-01"));
  EXPECT_FALSE(parse_traceparent("00-12345678901234567890123456789012-0000000000000000-01"));
  EXPECT_FALSE(parse_traceparent("cc-00000000000000000000000000000000-1234567890123456-01-x"));
}

TEST(Traceparent, RejectsMalformedFields) {
  for (std::string_view bad : {
           // version: illegal characters, too long, too short
           ".0-12345678901234567890123456789012-1234567890123456-01",
           "0.-12345678901234567890123456789012-1234567890123456-01",
           "000-12345678901234567890123456789012-1234567890123456-01",
           "0000-12345678901234567890123456789012-1234567890123456-01",
           "0-12345678901234567890123456789012-1234567890123456-01",
           // trace-id
           "00-.2345678901234567890123456789012-1234567890123456-01",
           "00-1234567890123456789012345678901.-1234567890123456-01",
           "00-123456789012345678901234567890123-1234567890123456-01",
           "00-1234567890123456789012345678901-1234567890123456-01",
           // parent-id
           "00-12345678901234567890123456789012-.234567890123456-01",
           "00-12345678901234567890123456789012-123456789012345.-01",
           "00-12345678901234567890123456789012-12345678901234567-01",
           "00-12345678901234567890123456789012-123456789012345-01",
           // trace-flags
           "00-12345678901234567890123456789012-1234567890123456-.0",
           "00-12345678901234567890123456789012-1234567890123456-0.",
           "00-12345678901234567890123456789012-1234567890123456-001",
           "00-12345678901234567890123456789012-1234567890123456-1",
           // delimiters
           "00_12345678901234567890123456789012-1234567890123456-01",
           "00-12345678901234567890123456789012_1234567890123456-01",
           "00-12345678901234567890123456789012-1234567890123456_01",
           "",
           "00",
           " 00-12345678901234567890123456789012-1234567890123456-01",
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
  EXPECT_FALSE(parse_traceparent(std::string(55, '\0')));
}

// The id fields are decoded eight characters at a time; check every byte
// value in every position against the plain per-character decoder.
TEST(Traceparent, AgreesWithIdFromHexForEveryCharacterInEveryPosition) {
  const std::string base = traceparent("00");
  for (std::size_t pos = 3; pos < 52; ++pos) {
    if (pos == 35) continue;
    for (int c = 0; c < 256; ++c) {
      std::string tp = base;
      tp[pos] = static_cast<char>(c);
      const auto trace = TraceId::from_hex(std::string_view(tp).substr(3, 32));
      const auto span = SpanId::from_hex(std::string_view(tp).substr(36, 16));
      const auto sc = parse_traceparent(tp);
      ASSERT_EQ(sc.has_value(), trace && span) << pos << ' ' << c;
      if (sc) {
        ASSERT_EQ(sc->trace_id(), *trace);
        ASSERT_EQ(sc->span_id(), *span);
      }
    }
  }
}

TEST(Traceparent, FormatsVersion00) {
  EXPECT_EQ(format_traceparent(sample_context()), kParent);
  char buf[55];
  format_traceparent(sample_context(0x00), buf);
  EXPECT_EQ(std::string_view(buf, 55),
            traceparent("00", "00").replace(3, 32, kTraceHex).replace(36, 16, kSpanHex));
  EXPECT_EQ(format_traceparent(sample_context(0x09)).substr(53), "09");
}

TEST(Traceparent, FormatsEveryByteValueLikeToHex) {
  for (int first = 0; first < 256; ++first) {
    std::array<std::uint8_t, 16> trace{};
    std::array<std::uint8_t, 8> span{};
    for (std::size_t i = 0; i < trace.size(); ++i)
      trace[i] = static_cast<std::uint8_t>(first + 37 * i);
    for (std::size_t i = 0; i < span.size(); ++i)
      span[i] = static_cast<std::uint8_t>(first * 3 + i);
    const SpanContext sc{TraceId(trace), SpanId(span), TraceFlags(static_cast<std::uint8_t>(first)),
                         false};
    char flags[3];
    std::snprintf(flags, sizeof flags, "%02x", first);
    EXPECT_EQ(format_traceparent(sc),
              "00-" + TraceId(trace).to_hex() + "-" + SpanId(span).to_hex() + "-" + flags);
  }
}

TEST(Traceparent, FormatParseRoundTrip) {
  auto& gen = RandomIdGenerator::instance();
  for (int i = 0; i < 100; ++i) {
    SpanContext sc(gen.new_trace_id(), gen.new_span_id(), TraceFlags(i & 0xff), true);
    EXPECT_EQ(parse_traceparent(format_traceparent(sc)), sc);
  }
}

// ---- W3C Trace Context propagator -----------------------------------------

TEST(W3CTraceContext, ExtractsRemoteSpanContextWithTracestate) {
  Headers h{{"traceparent", std::string(kParent)},
            {"tracestate", "rojo=00f067aa0ba902b7,congo=t61"}};
  Context ctx = W3CTraceContextPropagator().extract(h, Context());
  const auto& sc = ctx.span_context();
  ASSERT_TRUE(sc.is_valid());
  EXPECT_TRUE(sc.is_remote());
  EXPECT_TRUE(sc.is_sampled());
  EXPECT_EQ(sc.trace_id().to_hex(), kTraceHex);
  EXPECT_EQ(sc.trace_state().to_header(), "rojo=00f067aa0ba902b7,congo=t61");
  for (const auto& name : h.asked()) {
    EXPECT_TRUE(
        std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  }
}

TEST(W3CTraceContext, HeaderNamesAreCaseInsensitive) {
  for (auto name : {"TraceParent", "TrAcEpArEnT", "TRACEPARENT"}) {
    Headers h{{name, traceparent("00")}, {"TRACESTATE", "foo=1"}};
    Context ctx = W3CTraceContextPropagator().extract(h, Context());
    EXPECT_EQ(ctx.span_context().trace_id().to_hex(), kSuiteTrace) << name;
    EXPECT_EQ(ctx.span_context().trace_state().get("foo"), "1");
  }
  for (auto name : {"trace-parent", "trace.parent"}) {
    Headers h{{name, traceparent("00")}};
    EXPECT_FALSE(W3CTraceContextPropagator().extract(h, Context()).span_context().is_valid());
  }
}

TEST(W3CTraceContext, InvalidTraceparentLeavesTheContextUnchanged) {
  const Context parent = Context().with_span(sample_context());
  for (const std::string& bad :
       {traceparent("ff"), traceparent("00", "01", "-x"),
        std::string("00-00000000000000000000000000000000-1234567890123456-01"),
        std::string("garbage")}) {
    Headers h{{"traceparent", bad}, {"tracestate", "foo=1"}};
    Context ctx = W3CTraceContextPropagator().extract(h, parent);
    EXPECT_EQ(ctx.span_context(), parent.span_context()) << bad;
  }
  Headers only_state{{"tracestate", "foo=1"}};
  EXPECT_FALSE(
      W3CTraceContextPropagator().extract(only_state, Context()).span_context().is_valid());
}

TEST(W3CTraceContext, DuplicateTraceparentIsInvalid) {
  Headers h{{"traceparent", "00-12345678901234567890123456789011-1234567890123456-01"},
            {"traceparent", "00-12345678901234567890123456789012-1234567890123456-01"}};
  EXPECT_FALSE(W3CTraceContextPropagator().extract(h, Context()).span_context().is_valid());
}

TEST(W3CTraceContext, OptionalWhitespaceAroundTraceparent) {
  for (auto pad : std::initializer_list<std::pair<const char*, const char*>>{
           {" ", ""}, {"\t", ""}, {"", " "}, {"", "\t"}, {"\t ", " \t"}}) {
    Headers h{{"traceparent", pad.first + traceparent("00") + pad.second}};
    EXPECT_EQ(W3CTraceContextPropagator().extract(h, Context()).span_context().trace_id().to_hex(),
              kSuiteTrace);
  }
}

TEST(W3CTraceContext, InvalidTracestateContinuesTheTraceWithoutIt) {
  for (auto bad : {"foo=1,foo=2", "FOO=1", "foo=bar=baz", "foo=,bar=3", "foo@=1,bar=2"}) {
    Headers h{{"traceparent", traceparent("00")}, {"tracestate", bad}};
    const auto sc = W3CTraceContextPropagator().extract(h, Context()).span_context();
    ASSERT_TRUE(sc.is_valid()) << bad;
    EXPECT_EQ(sc.trace_id().to_hex(), kSuiteTrace);
    EXPECT_TRUE(sc.trace_state().empty()) << bad;
    EXPECT_EQ(sc.trace_state_ptr(), nullptr);
  }
  // Oversized key and value, the 33rd member, and duplicates across headers.
  std::string many;
  for (int i = 1; i <= 33; ++i) many += "k" + std::to_string(i) + "=v,";
  for (const std::string& bad :
       {std::string(257, 'z') + "=1", "foo=" + std::string(257, 'v'), many}) {
    Headers h{{"traceparent", traceparent("00")}, {"tracestate", "foo=1"}, {"tracestate", bad}};
    const auto sc = W3CTraceContextPropagator().extract(h, Context()).span_context();
    ASSERT_TRUE(sc.is_valid());
    EXPECT_TRUE(sc.trace_state().empty());
  }
  Headers dup{{"traceparent", traceparent("00")}, {"tracestate", "foo=1"}, {"tracestate", "foo=1"}};
  EXPECT_TRUE(
      W3CTraceContextPropagator().extract(dup, Context()).span_context().trace_state().empty());
}

TEST(W3CTraceContext, SeveralTracestateHeadersAreJoined) {
  Headers h{{"traceparent", traceparent("00")},
            {"tracestate", "foo=1,bar=2"},
            {"tracestate", ""},
            {"tracestate", "rojo=1,congo=2"},
            {"tracestate", "baz=3"}};
  const auto sc = W3CTraceContextPropagator().extract(h, Context()).span_context();
  EXPECT_EQ(sc.trace_state().to_header(), "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

TEST(W3CTraceContext, MoreTracestateHeadersThanACarrierHoldsDropTracestate) {
  Headers h{{"traceparent", traceparent("00")}};
  for (std::size_t i = 0; i <= HeaderValues::kMaxValues; ++i) {
    h.add("tracestate", "k" + std::to_string(i) + "=v");
  }
  const auto sc = W3CTraceContextPropagator().extract(h, Context()).span_context();
  EXPECT_TRUE(sc.is_valid());             // the trace continues...
  EXPECT_TRUE(sc.trace_state().empty());  // ...without a list we could not read whole
}

TEST(HeaderValuesTest, KeepsUpToTheLimitAndFlagsOverflow) {
  HeaderValues v{"a", "b"};
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.front(), "a");
  EXPECT_FALSE(v.overflowed());
  for (std::size_t i = 0; i < HeaderValues::kMaxValues; ++i) v.push_back("x");
  EXPECT_EQ(v.size(), HeaderValues::kMaxValues);
  EXPECT_TRUE(v.overflowed());
}

TEST(W3CTraceContext, InjectWritesVersion00AndTracestate) {
  auto state = std::make_shared<TraceState>();
  state->set("congo", "t61rcWkgMzE");
  SpanContext sc(*TraceId::from_hex(kTraceHex), *SpanId::from_hex(kSpanHex), TraceFlags(1), false,
                 state);
  Headers h;
  W3CTraceContextPropagator().inject(Context().with_span(sc), h);
  EXPECT_EQ(h.value("traceparent"), kParent);
  EXPECT_EQ(h.value("tracestate"), "congo=t61rcWkgMzE");
}

TEST(W3CTraceContext, InjectOmitsEmptyTracestateAndInvalidContexts) {
  Headers h;
  W3CTraceContextPropagator().inject(Context().with_span(sample_context()), h);
  EXPECT_EQ(h.size(), 1u);
  EXPECT_FALSE(h.value("tracestate"));

  Headers none;
  W3CTraceContextPropagator().inject(Context(), none);
  SpanContext zero_span(*TraceId::from_hex(kTraceHex), SpanId(), TraceFlags(1), false);
  W3CTraceContextPropagator().inject(Context().with_span(zero_span), none);
  EXPECT_EQ(none.size(), 0u);
}

TEST(W3CTraceContext, HigherVersionIsForwardedAsVersion00) {
  Headers in{{"traceparent", traceparent("cc", "03", "-future")}};
  Context ctx = W3CTraceContextPropagator().extract(in, Context());
  Headers out;
  W3CTraceContextPropagator().inject(ctx, out);
  EXPECT_EQ(out.value("traceparent"), traceparent("00", "01"));
}

TEST(W3CTraceContext, RoundTrip) {
  W3CTraceContextPropagator p;
  Headers in{{"traceparent", std::string(kParent)}, {"tracestate", " a=1 ,, b@c=x y "}};
  Context ctx = p.extract(in, Context());
  Headers out;
  p.inject(ctx, out);
  EXPECT_EQ(out.value("traceparent"), kParent);
  EXPECT_EQ(out.value("tracestate"), "a=1,b@c=x y");
  EXPECT_EQ(p.extract(out, Context()).span_context(), ctx.span_context());
  EXPECT_EQ(p.fields(), (std::vector<std::string>{"traceparent", "tracestate"}));
}

// ---- W3C Baggage propagator -----------------------------------------------

TEST(W3CBaggage, ExtractsAndInjects) {
  Headers in{{"Baggage", "userId=alice"}, {"baggage", "serverNode=DF%2028;p=1"}};
  Context ctx = W3CBaggagePropagator().extract(in, Context());
  EXPECT_EQ(ctx.baggage().get("userId"), "alice");
  EXPECT_EQ(ctx.baggage().get("serverNode"), "DF 28");
  Headers out;
  W3CBaggagePropagator().inject(ctx, out);
  EXPECT_EQ(out.value("baggage"), "userId=alice,serverNode=DF%2028;p=1");
  EXPECT_EQ(W3CBaggagePropagator().fields(), std::vector<std::string>{"baggage"});
}

TEST(W3CBaggage, MergesIntoTheContextsBaggage) {
  Baggage existing;
  existing.set("keep", "1");
  existing.set("override", "old");
  const Context base = Context().with_span(sample_context()).with_baggage(existing);
  Headers in{{"baggage", "override=new,added=2"}};
  Context ctx = W3CBaggagePropagator().extract(in, base);
  EXPECT_EQ(ctx.baggage().get("keep"), "1");
  EXPECT_EQ(ctx.baggage().get("override"), "new");
  EXPECT_EQ(ctx.baggage().get("added"), "2");
  EXPECT_EQ(ctx.span_context(), base.span_context());
}

TEST(W3CBaggage, NothingValidLeavesTheContextUnchanged) {
  Baggage existing;
  existing.set("keep", "1");
  const Context base = Context().with_baggage(existing);
  Headers in{{"baggage", "bad key=1,=2"}};
  EXPECT_EQ(W3CBaggagePropagator().extract(in, base).baggage(), existing);
  Headers out;
  W3CBaggagePropagator().inject(Context(), out);
  EXPECT_EQ(out.size(), 0u);
}

// ---- B3 -------------------------------------------------------------------

TEST(B3, ExtractsSingleHeader) {
  B3Propagator p(true);
  Headers h{{"b3", std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-1-05e3ac9a4f6e3b90"}};
  const auto sc = p.extract(h, Context()).span_context();
  ASSERT_TRUE(sc.is_valid());
  EXPECT_EQ(sc.trace_id().to_hex(), kTraceHex);
  EXPECT_EQ(sc.span_id().to_hex(), kSpanHex);
  EXPECT_TRUE(sc.is_sampled());
  EXPECT_TRUE(sc.is_remote());
}

TEST(B3, SingleHeaderSamplingStates) {
  B3Propagator p(true);
  const std::string ids = "a3ce929d0e0e4736-" + std::string(kSpanHex);
  auto sampled = [&](std::string value) {
    Headers h{{"B3", value}};
    const auto sc = p.extract(h, Context()).span_context();
    EXPECT_TRUE(sc.is_valid()) << value;
    return sc.is_sampled();
  };
  EXPECT_TRUE(sampled(ids + "-1"));
  EXPECT_TRUE(sampled(ids + "-d"));  // debug implies accept
  EXPECT_FALSE(sampled(ids + "-0"));
  EXPECT_FALSE(sampled(ids));  // deferred
}

TEST(B3, SixtyFourBitTraceIdsArePaddedOnTheLeft) {
  Headers h{{"b3", "a3ce929d0e0e4736-" + std::string(kSpanHex) + "-1"}};
  const auto sc = B3Propagator(true).extract(h, Context()).span_context();
  EXPECT_EQ(sc.trace_id().to_hex(), "0000000000000000a3ce929d0e0e4736");
}

TEST(B3, LoneSamplingStateCarriesNoTrace) {
  const Context base = Context().with_span(sample_context());
  for (auto lone : {"0", "1", "d"}) {
    Headers h{{"b3", lone}};
    EXPECT_EQ(B3Propagator(true).extract(h, base).span_context(), base.span_context()) << lone;
    EXPECT_FALSE(B3Propagator(true).extract(h, Context()).span_context().is_valid());
  }
}

TEST(B3, RejectsMalformedSingleHeaders) {
  const std::string t(kTraceHex), s(kSpanHex);
  for (const std::string& bad : {
           t,                                               // no span id
           t + "-" + s + "-2",                              // unknown state
           t + "-" + s + "-",                               // empty state
           t + "-" + s + "-1-xyz",                          // bad parent
           t + "-" + s + "-1-" + s + "-extra",              // too many fields
           "4BF92F3577B34DA6A3CE929D0E0E4736-" + s + "-1",  // uppercase
           t + "-00F067AA0BA902B7-1",
           std::string(32, '0') + "-" + s + "-1",  // zero trace id
           t + "-" + std::string(16, '0') + "-1",  // zero span id
           t.substr(0, 24) + "-" + s + "-1",       // 96-bit trace id
           t + "-" + s.substr(1) + "-1",
           std::string(),
       }) {
    Headers h{{"b3", bad}};
    EXPECT_FALSE(B3Propagator(true).extract(h, Context()).span_context().is_valid()) << bad;
  }
}

TEST(B3, ExtractsMultipleHeaders) {
  Headers h{{"X-B3-TraceId", std::string(kTraceHex)},
            {"X-B3-SpanId", std::string(kSpanHex)},
            {"X-B3-ParentSpanId", "05e3ac9a4f6e3b90"},
            {"X-B3-Sampled", "1"}};
  const auto sc = B3Propagator(false).extract(h, Context()).span_context();
  ASSERT_TRUE(sc.is_valid());
  EXPECT_EQ(sc.trace_id().to_hex(), kTraceHex);
  EXPECT_EQ(sc.span_id().to_hex(), kSpanHex);
  EXPECT_TRUE(sc.is_sampled());
  EXPECT_TRUE(sc.is_remote());
}

TEST(B3, MultipleHeaderSamplingStates) {
  auto extract = [](std::initializer_list<std::pair<std::string, std::string>> extra) {
    Headers h{{"x-b3-traceid", "a3ce929d0e0e4736"}, {"x-b3-spanid", std::string(kSpanHex)}};
    for (const auto& [k, v] : extra) h.set(k, v);
    return B3Propagator(false).extract(h, Context()).span_context();
  };
  EXPECT_TRUE(extract({{"x-b3-sampled", "1"}}).is_sampled());
  EXPECT_TRUE(extract({{"x-b3-sampled", "true"}}).is_sampled());
  EXPECT_FALSE(extract({{"x-b3-sampled", "0"}}).is_sampled());
  EXPECT_FALSE(extract({{"x-b3-sampled", "false"}}).is_sampled());
  EXPECT_TRUE(extract({{"x-b3-sampled", "0"}}).is_valid());
  EXPECT_FALSE(extract({}).is_sampled());
  EXPECT_TRUE(extract({}).is_valid());
  EXPECT_TRUE(extract({{"x-b3-flags", "1"}}).is_sampled());
  EXPECT_TRUE(extract({{"x-b3-flags", "1"}, {"x-b3-sampled", "0"}}).is_sampled());
  EXPECT_FALSE(extract({{"x-b3-flags", "0"}}).is_sampled());
  EXPECT_EQ(extract({}).trace_id().to_hex(), "0000000000000000a3ce929d0e0e4736");
  EXPECT_FALSE(extract({{"x-b3-sampled", "yes"}}).is_valid());
  EXPECT_FALSE(extract({{"x-b3-parentspanid", "nothex"}}).is_valid());
}

TEST(B3, MultipleHeadersNeedBothIds) {
  Headers no_span{{"x-b3-traceid", std::string(kTraceHex)}, {"x-b3-sampled", "1"}};
  EXPECT_FALSE(B3Propagator(false).extract(no_span, Context()).span_context().is_valid());
  Headers no_trace{{"x-b3-spanid", std::string(kSpanHex)}, {"x-b3-sampled", "1"}};
  EXPECT_FALSE(B3Propagator(false).extract(no_trace, Context()).span_context().is_valid());
  Headers only_state{{"x-b3-sampled", "0"}};
  EXPECT_FALSE(B3Propagator(false).extract(only_state, Context()).span_context().is_valid());
}

TEST(B3, SingleHeaderTakesPrecedenceAndFallsBackToMultiple) {
  const std::string multi_trace = "11111111111111111111111111111111";
  Headers both{{"b3", std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-1"},
               {"x-b3-traceid", multi_trace},
               {"x-b3-spanid", std::string(kSpanHex)}};
  EXPECT_EQ(B3Propagator(false).extract(both, Context()).span_context().trace_id().to_hex(),
            kTraceHex);
  Headers bad_single{
      {"b3", "0"}, {"x-b3-traceid", multi_trace}, {"x-b3-spanid", std::string(kSpanHex)}};
  EXPECT_EQ(B3Propagator(true).extract(bad_single, Context()).span_context().trace_id().to_hex(),
            multi_trace);
}

TEST(B3, InjectsSingleHeaderWithoutParent) {
  Headers h;
  B3Propagator(true).inject(Context().with_span(sample_context(1)), h);
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.value("b3"), std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-1");
  B3Propagator(true).inject(Context().with_span(sample_context(0)), h);
  EXPECT_EQ(h.value("b3"), std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-0");
}

TEST(B3, InjectsMultipleHeadersWithoutParent) {
  Headers h;
  B3Propagator(false).inject(Context().with_span(sample_context(1)), h);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.value("X-B3-TraceId"), kTraceHex);
  EXPECT_EQ(h.value("X-B3-SpanId"), kSpanHex);
  EXPECT_EQ(h.value("X-B3-Sampled"), "1");
  EXPECT_FALSE(h.value("X-B3-ParentSpanId"));
}

TEST(B3, InjectSkipsInvalidContexts) {
  Headers h;
  B3Propagator(true).inject(Context(), h);
  B3Propagator(false).inject(Context(), h);
  EXPECT_EQ(h.size(), 0u);
}

TEST(B3, RoundTripsBothWays) {
  for (bool single : {true, false}) {
    for (std::uint8_t flags : {0, 1}) {
      B3Propagator p(single);
      Headers h;
      const Context ctx = Context().with_span(sample_context(flags));
      p.inject(ctx, h);
      const auto back = p.extract(h, Context()).span_context();
      EXPECT_EQ(back.trace_id(), ctx.span_context().trace_id());
      EXPECT_EQ(back.span_id(), ctx.span_context().span_id());
      EXPECT_EQ(back.is_sampled(), flags == 1);
      // Either form reads what the other wrote.
      EXPECT_EQ(B3Propagator(!single).extract(h, Context()).span_context(), back);
    }
  }
  EXPECT_EQ(B3Propagator(true).fields().front(), "b3");
  EXPECT_EQ(B3Propagator(false).fields().front(), "x-b3-traceid");
}

// ---- Composite and OTEL_PROPAGATORS ---------------------------------------

TEST(Composite, ExtractsAndInjectsThroughEveryPart) {
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  parts.push_back(std::make_unique<W3CTraceContextPropagator>());
  parts.push_back(std::make_unique<W3CBaggagePropagator>());
  parts.push_back(std::make_unique<B3Propagator>(true));
  CompositePropagator p(std::move(parts));

  Headers in{{"traceparent", std::string(kParent)}, {"baggage", "k=v"}};
  Context ctx = p.extract(in, Context());
  EXPECT_EQ(ctx.span_context().trace_id().to_hex(), kTraceHex);
  EXPECT_EQ(ctx.baggage().get("k"), "v");

  Headers out;
  p.inject(ctx, out);
  EXPECT_EQ(out.value("traceparent"), kParent);
  EXPECT_EQ(out.value("baggage"), "k=v");
  EXPECT_EQ(out.value("b3"), std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-1");
}

TEST(Composite, LaterPartsOverrideEarlierOnes) {
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  parts.push_back(std::make_unique<W3CTraceContextPropagator>());
  parts.push_back(std::make_unique<B3Propagator>(true));
  CompositePropagator p(std::move(parts));
  Headers in{{"traceparent", std::string(kParent)},
             {"b3", "11111111111111111111111111111111-2222222222222222-0"}};
  EXPECT_EQ(p.extract(in, Context()).span_context().trace_id().to_hex(),
            "11111111111111111111111111111111");
  Headers w3c_only{{"traceparent", std::string(kParent)}, {"b3", "garbage"}};
  EXPECT_EQ(p.extract(w3c_only, Context()).span_context().trace_id().to_hex(), kTraceHex);
}

TEST(Composite, FieldsAreTheDeduplicatedUnion) {
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  parts.push_back(std::make_unique<W3CTraceContextPropagator>());
  parts.push_back(std::make_unique<W3CTraceContextPropagator>());
  parts.push_back(std::make_unique<W3CBaggagePropagator>());
  EXPECT_EQ(CompositePropagator(std::move(parts)).fields(),
            (std::vector<std::string>{"traceparent", "tracestate", "baggage"}));
  EXPECT_TRUE(CompositePropagator({}).fields().empty());
}

// A propagator that may read headers outside its fields().
class ReadsAnything final : public TextMapPropagator {
 public:
  Context extract(const TextMapGetter&, const Context& c) const override { return c; }
  void inject(const Context&, TextMapSetter&) const override {}
  std::vector<std::string> fields() const override { return {}; }
};

TEST(Composite, ReadsOnlyFieldsWhenEveryPartDoes) {
  EXPECT_TRUE(W3CTraceContextPropagator().reads_only_fields());
  EXPECT_TRUE(W3CBaggagePropagator().reads_only_fields());
  EXPECT_TRUE(B3Propagator(true).reads_only_fields());
  EXPECT_TRUE(make_propagator("tracecontext,baggage,b3multi")->reads_only_fields());
  EXPECT_TRUE(make_propagator("none")->reads_only_fields());
  EXPECT_FALSE(ReadsAnything().reads_only_fields());
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  parts.push_back(std::make_unique<W3CTraceContextPropagator>());
  parts.push_back(std::make_unique<ReadsAnything>());
  EXPECT_FALSE(CompositePropagator(std::move(parts)).reads_only_fields());
}

TEST(MakePropagator, EmptyMeansTracecontextAndBaggage) {
  const std::vector<std::string> expected{"traceparent", "tracestate", "baggage"};
  for (auto names : {"", "  ", " \t\n"}) {
    std::vector<std::string> unknown;
    EXPECT_EQ(make_propagator(names, &unknown)->fields(), expected);
    EXPECT_TRUE(unknown.empty());
  }
}

TEST(MakePropagator, NamesAreTrimmedCaseInsensitiveAndDeduplicated) {
  std::vector<std::string> unknown;
  auto p = make_propagator(" tracecontext , B3Multi,TraceContext,, baggage ", &unknown);
  EXPECT_TRUE(unknown.empty());
  const auto fields = p->fields();
  EXPECT_EQ(fields.front(), "traceparent");
  EXPECT_EQ(std::count(fields.begin(), fields.end(), "traceparent"), 1);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "x-b3-traceid"), fields.end());
  EXPECT_EQ(fields.back(), "baggage");

  Headers out;
  p->inject(Context().with_span(sample_context()), out);
  EXPECT_EQ(out.value("traceparent"), kParent);
  EXPECT_EQ(out.value("x-b3-traceid"), kTraceHex);
  EXPECT_FALSE(out.value("b3"));
}

TEST(MakePropagator, EachName) {
  Headers out;
  make_propagator("b3")->inject(Context().with_span(sample_context()), out);
  EXPECT_EQ(out.value("b3"), std::string(kTraceHex) + "-" + std::string(kSpanHex) + "-1");
  EXPECT_EQ(make_propagator("tracecontext")->fields(),
            (std::vector<std::string>{"traceparent", "tracestate"}));
  EXPECT_EQ(make_propagator("baggage")->fields(), std::vector<std::string>{"baggage"});
  EXPECT_TRUE(make_propagator("none")->fields().empty());
  EXPECT_TRUE(make_propagator("NONE")->fields().empty());
}

TEST(MakePropagator, UnknownNamesAreSkippedAndReported) {
  std::vector<std::string> unknown;
  auto p = make_propagator("xray, tracecontext,jaeger ,ottrace", &unknown);
  EXPECT_EQ(unknown, (std::vector<std::string>{"xray", "jaeger", "ottrace"}));
  EXPECT_EQ(p->fields(), (std::vector<std::string>{"traceparent", "tracestate"}));
  EXPECT_TRUE(make_propagator("bogus")->fields().empty());  // no out-parameter is fine
}

// ---- Global ---------------------------------------------------------------

TEST(GlobalPropagator, DefaultsToTracecontextAndBaggage) {
  set_global_propagator(nullptr);
  EXPECT_EQ(global_propagator().fields(),
            (std::vector<std::string>{"traceparent", "tracestate", "baggage"}));
}

TEST(GlobalPropagator, SetReplacesAndKeepsTheOldOneAlive) {
  set_global_propagator(make_propagator("b3"));
  const TextMapPropagator& old = global_propagator();
  EXPECT_EQ(old.fields().front(), "b3");
  set_global_propagator(make_propagator("tracecontext"));
  EXPECT_EQ(global_propagator().fields().front(), "traceparent");
  Headers out;  // the replaced propagator still works through the old reference
  old.inject(Context().with_span(sample_context()), out);
  EXPECT_TRUE(out.value("b3"));
  set_global_propagator(nullptr);
  EXPECT_EQ(global_propagator().fields().back(), "baggage");
}

TEST(GlobalPropagator, ConcurrentReadersSeeACompletePropagator) {
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      const Context ctx = Context().with_span(sample_context());
      while (!stop.load()) {
        Headers h;
        global_propagator().inject(ctx, h);
        EXPECT_GE(h.size(), 1u);
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    set_global_propagator(make_propagator(i % 2 ? "b3" : "tracecontext,b3multi"));
  }
  while (reads.load() < 100) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  set_global_propagator(nullptr);
}

}  // namespace
}  // namespace spanline::telemetry
