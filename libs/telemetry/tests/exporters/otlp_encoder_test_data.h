// Span batches for the OTLP encoder tests: every field and attribute kind,
// and resources and scopes interleaved the way grouping must untangle.
#pragma once

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "otlp_test_util.h"

namespace spanline::telemetry::otlp_test {

using Batch = std::vector<std::unique_ptr<SpanData>>;

inline constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

inline TraceId trace_id(std::string_view hex) {
  return *TraceId::from_hex(hex);
}
inline SpanId span_id(std::string_view hex) {
  return *SpanId::from_hex(hex);
}

inline std::vector<Attribute> every_kind_of_attribute() {
  return {
      {"str", attr("hello")},
      {"str.empty", attr("")},
      {"str.unicode", attr("h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80")},
      {"str.control",
       attr(std::string("nul\0 soh\x01 nl\n tab\t quote\" backslash\\ del\x7f", 41))},
      {"bool.true", attr(true)},
      {"bool.false", attr(false)},
      {"int", attr(42)},
      {"int.zero", attr(0)},
      {"int.negative", attr(-7)},
      {"int.min", AttributeValue(kInt64Min)},
      {"int.max", AttributeValue(kInt64Max)},
      {"double", attr(3.25)},
      {"double.zero", attr(0.0)},
      {"double.tiny", attr(-5e-324)},
      {"double.huge", attr(1.7976931348623157e308)},
      {"double.third", attr(1.0 / 3)},
      {"array.str", std::vector<std::string>{"a", "", "\xC3\xBC"}},
      {"array.bool", std::vector<bool>{true, false, true}},
      {"array.int", std::vector<std::int64_t>{1, -2, kInt64Max, kInt64Min}},
      {"array.double", std::vector<double>{1.5, -0.25, 1e300}},
      {"array.str.empty", std::vector<std::string>{}},
      {"array.bool.empty", std::vector<bool>{}},
      {"array.int.empty", std::vector<std::int64_t>{}},
      {"array.double.empty", std::vector<double>{}},
      {"", attr("empty key")},
  };
}

inline std::unique_ptr<SpanData> full_span(std::shared_ptr<const Resource> resource,
                                           std::shared_ptr<const InstrumentationScope> scope,
                                           int n) {
  auto s = std::make_unique<SpanData>();
  s->trace_id = trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  s->span_id =
      SpanId(std::array<std::uint8_t, 8>{0xf0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(n)});
  s->parent_span_id = span_id("00f067aa0ba902b7");
  s->trace_state = "vendor=a1,other=b2";
  s->trace_flags = 0x01;
  s->parent_is_remote = true;
  s->has_remote_flag = true;
  s->name = "GET /api/v1/items/{id} #" + std::to_string(n);
  s->kind = SpanKind::kServer;
  s->start_unix_nano = 1'700'000'000'123'456'789ULL;
  s->end_unix_nano = 18'446'744'073'709'551'615ULL;  // uint64 max survives as a string
  s->attributes = every_kind_of_attribute();
  s->dropped_attributes_count = 3;
  s->events = {{1'700'000'000'200'000'000ULL,
                "exception",
                {{"exception.type", attr("std::runtime_error")}, {"count", attr(2)}},
                1},
               {0, "", {}, 0}};
  s->dropped_events_count = 4;
  s->links = {{trace_id("0af7651916cd43dd8448eb211c80319c"),
               span_id("b7ad6b7169203331"),
               "congo=t61rcWkgMzE",
               0x01,
               true,
               {{"link.kind", attr("follows")}},
               7},
              {trace_id("ffffffffffffffffffffffffffffffff"),
               span_id("0000000000000001"),
               "",
               0x00,
               false,
               {},
               0}};
  s->dropped_links_count = 5;
  s->status = {StatusCode::kError, "boom: \x02 \xC3\xBCnicode \"quoted\""};
  s->resource = std::move(resource);
  s->scope = std::move(scope);
  return s;
}

// A root span with everything at its default except the ids.
inline std::unique_ptr<SpanData> minimal_span(std::shared_ptr<const Resource> resource,
                                              std::shared_ptr<const InstrumentationScope> scope,
                                              int n) {
  auto s = std::make_unique<SpanData>();
  s->trace_id = trace_id("0000000000000000000000000000abcd");
  s->span_id =
      SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0xa0, static_cast<std::uint8_t>(n)});
  s->has_remote_flag = false;
  s->kind = SpanKind::kUnspecified;
  s->resource = std::move(resource);
  s->scope = std::move(scope);
  return s;
}

// Two resources and two scopes interleaved, an equal-valued resource copy
// that must merge with its original, and a span with neither.
struct MixedBatch {
  std::shared_ptr<const Resource> r1 = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", attr("task-api")}, {"process.pid", attr(4242)}},
      "https://opentelemetry.io/schemas/1.24.0");
  std::shared_ptr<const Resource> r1_copy = std::make_shared<const Resource>(*r1);
  std::shared_ptr<const Resource> r2 = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", attr("dns-worker")}});
  std::shared_ptr<const InstrumentationScope> s1 =
      std::make_shared<const InstrumentationScope>(InstrumentationScope{
          "spanline.http", "0.1.0", "https://example.com/schema", {{"scope.attr", attr(true)}}});
  std::shared_ptr<const InstrumentationScope> s2 = std::make_shared<const InstrumentationScope>(
      InstrumentationScope{"spanline.redis", "", "", {}});
  Batch batch;
  // Indices into `batch` in the order the encoders must emit them.
  std::vector<std::size_t> expected_order{0, 4, 2, 1, 6, 3, 5};

  MixedBatch() {
    batch.push_back(full_span(r1, s1, 0));
    batch.push_back(minimal_span(r2, s1, 1));
    batch.push_back(full_span(r1, s2, 2));
    batch.push_back(full_span(r2, s2, 3));
    batch.push_back(minimal_span(r1_copy, s1, 4));
    batch.push_back(minimal_span(nullptr, nullptr, 5));
    batch.push_back(full_span(r2, s1, 6));
    batch[6]->kind = SpanKind::kConsumer;
    batch[6]->status = {StatusCode::kOk, ""};
    batch[6]->parent_is_remote = false;
  }
};

inline void expect_same_spans(const Batch& sent, const std::vector<std::size_t>& order,
                              const Batch& got) {
  ASSERT_EQ(got.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(span_diff(*sent[order[i]], *got[i]), "")
        << "span " << i << " (sent #" << order[i] << ")";
}

inline pb_collector::ExportTraceServiceRequest parse_proto(const std::string& bytes) {
  pb_collector::ExportTraceServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

}  // namespace spanline::telemetry::otlp_test
