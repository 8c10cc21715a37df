// The one-pass header snapshot a server span reads its request headers
// through: the same answers as Beast's own lookups, in any letter case, with
// repeated headers in order, and past its capacity.
#include "header_carrier.h"

#include <gtest/gtest.h>

#include <string>

namespace spanline::net::detail {
namespace {

namespace http = boost::beast::http;

std::vector<std::string> all(const telemetry::TextMapGetter& g, std::string_view name) {
  std::vector<std::string> out;
  for (std::string_view v : g.get_all(name)) out.emplace_back(v);
  return out;
}

void expect_like_beast(const http::fields& fields) {
  const HeaderSnapshot snapshot(fields);
  const FieldsGetter beast(fields);
  for (std::string_view name : {"host", "HOST", "user-agent", "traceparent", "TraceState",
                                "tracestate", "baggage", "absent", "x-filler-3", "hos"}) {
    EXPECT_EQ(all(snapshot, name), all(beast, name)) << name;
  }
  EXPECT_EQ(snapshot.host(), beast.get("host"));
  EXPECT_EQ(snapshot.user_agent(), beast.get("user-agent"));
}

TEST(HeaderSnapshot, AnswersLikeBeastInAnyCase) {
  http::fields fields;
  fields.insert("Host", "example.com:8080");
  fields.insert("USER-AGENT", "curl/8");
  fields.insert("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  fields.insert("tracestate", "a=1");
  fields.insert("Content-Type", "application/json");
  fields.insert("TRACESTATE", "b=2");  // a second header of one name: one list, in order
  const HeaderSnapshot snapshot(fields);
  EXPECT_TRUE(snapshot.complete());
  EXPECT_EQ(all(snapshot, "tracestate"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(snapshot.host(), "example.com:8080");
  EXPECT_EQ(snapshot.user_agent(), "curl/8");
  expect_like_beast(fields);
  fields.insert("hOsT", "second.example");  // the first Host counts
  fields.insert("user-agent", "second/1");
  EXPECT_EQ(HeaderSnapshot(fields).host(), "example.com:8080");
  EXPECT_EQ(HeaderSnapshot(fields).user_agent(), "curl/8");
  expect_like_beast(fields);
}

TEST(HeaderSnapshot, PastItsCapacityReadsTheFieldsThemselves) {
  http::fields fields;
  for (std::size_t i = 0; i < HeaderSnapshot::kMax + 4; ++i)
    fields.insert("X-Filler-" + std::to_string(i), std::to_string(i));
  fields.insert("Host", "late.example");  // past the snapshot's reach
  fields.insert("tracestate", "z=9");
  const HeaderSnapshot snapshot(fields);
  EXPECT_FALSE(snapshot.complete());
  EXPECT_EQ(snapshot.host(), "late.example");
  EXPECT_FALSE(snapshot.user_agent());
  EXPECT_EQ(all(snapshot, "tracestate"), std::vector<std::string>{"z=9"});
  expect_like_beast(fields);
}

// A propagator that reads a header outside its fields().
class WideReader final : public telemetry::TextMapPropagator {
 public:
  telemetry::Context extract(const telemetry::TextMapGetter&,
                             const telemetry::Context& c) const override {
    return c;
  }
  void inject(const telemetry::Context&, telemetry::TextMapSetter&) const override {}
  std::vector<std::string> fields() const override { return {"x-wide"}; }
};

TEST(HeaderSnapshot, MayCarryOnlyWhatThePropagatorReads) {
  const auto w3c = telemetry::make_propagator("tracecontext,baggage");
  const auto b3 = telemetry::make_propagator("b3multi");
  const auto none = telemetry::make_propagator("none");
  const WideReader wide;
  http::fields plain;
  plain.insert("Host", "example.com");
  plain.insert("Content-Type", "application/json");
  const HeaderSnapshot nothing(plain);
  EXPECT_FALSE(nothing.may_carry(*w3c));
  EXPECT_FALSE(nothing.may_carry(*b3));
  EXPECT_FALSE(nothing.may_carry(*none));
  EXPECT_TRUE(nothing.may_carry(wide));  // it may read anything
  http::fields other = plain;            // a field Beast has no number for, yet not one of theirs
  other.insert("X-Request-Id", "abc");
  EXPECT_FALSE(HeaderSnapshot(other).may_carry(*w3c));
  EXPECT_FALSE(HeaderSnapshot(other).may_carry(*b3));
  for (const char* name : {"TraceParent", "tracestate", "BAGGAGE"}) {
    http::fields f = plain;
    f.insert(name, "x");
    EXPECT_TRUE(HeaderSnapshot(f).may_carry(*w3c)) << name;
    EXPECT_FALSE(HeaderSnapshot(f).may_carry(*b3)) << name;
  }
  http::fields with_b3 = plain;
  with_b3.insert("X-B3-TraceId", "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(HeaderSnapshot(with_b3).may_carry(*b3));
  EXPECT_FALSE(HeaderSnapshot(with_b3).may_carry(*w3c));
  // Past its capacity the snapshot cannot tell: extract runs.
  http::fields many = plain;
  for (std::size_t i = 0; i < HeaderSnapshot::kMax + 1; ++i)
    many.insert("X-Filler-" + std::to_string(i), "v");
  EXPECT_TRUE(HeaderSnapshot(many).may_carry(*w3c));
}

TEST(HeaderSnapshot, EmptyFieldsHaveNothing) {
  const http::fields fields;
  const HeaderSnapshot snapshot(fields);
  EXPECT_TRUE(snapshot.complete());
  EXPECT_FALSE(snapshot.host());
  EXPECT_FALSE(snapshot.user_agent());
  EXPECT_TRUE(snapshot.get_all("traceparent").empty());
}

}  // namespace
}  // namespace spanline::net::detail
