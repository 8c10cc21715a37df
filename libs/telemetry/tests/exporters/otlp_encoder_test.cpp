// Round trips of the hand-written OTLP encoders through independent
// decoders: libprotobuf's generated classes for the protobuf form, Boost.JSON
// (and libprotobuf's JSON parser for the field mapping) for the JSON form.
#include "spanline/telemetry/exporters/otlp_encoder.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "otlp_test_util.h"

namespace spanline::telemetry {
namespace {

namespace json = boost::json;
using otlp_test::pb_collector::ExportTraceServiceRequest;
using otlp_test::span_diff;
using Batch = std::vector<std::unique_ptr<SpanData>>;

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

TraceId trace_id(std::string_view hex) { return *TraceId::from_hex(hex); }
SpanId span_id(std::string_view hex) { return *SpanId::from_hex(hex); }

std::vector<Attribute> every_kind_of_attribute() {
  return {
      {"str", attr("hello")},
      {"str.empty", attr("")},
      {"str.unicode", attr("h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80")},
      {"str.control", attr(std::string("nul\0 soh\x01 nl\n tab\t quote\" backslash\\ del\x7f", 41))},
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

std::unique_ptr<SpanData> full_span(std::shared_ptr<const Resource> resource,
                                    std::shared_ptr<const InstrumentationScope> scope, int n) {
  auto s = std::make_unique<SpanData>();
  s->trace_id = trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  s->span_id = SpanId(std::array<std::uint8_t, 8>{0xf0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(n)});
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
  s->events = {{1'700'000'000'200'000'000ULL, "exception",
                {{"exception.type", attr("std::runtime_error")}, {"count", attr(2)}}, 1},
               {0, "", {}, 0}};
  s->dropped_events_count = 4;
  s->links = {{trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203331"),
               "congo=t61rcWkgMzE", 0x01, true, {{"link.kind", attr("follows")}}, 7},
              {trace_id("ffffffffffffffffffffffffffffffff"), span_id("0000000000000001"), "", 0x00,
               false, {}, 0}};
  s->dropped_links_count = 5;
  s->status = {StatusCode::kError, "boom: \x02 \xC3\xBCnicode \"quoted\""};
  s->resource = std::move(resource);
  s->scope = std::move(scope);
  return s;
}

// A root span with everything at its default except the ids.
std::unique_ptr<SpanData> minimal_span(std::shared_ptr<const Resource> resource,
                                       std::shared_ptr<const InstrumentationScope> scope, int n) {
  auto s = std::make_unique<SpanData>();
  s->trace_id = trace_id("0000000000000000000000000000abcd");
  s->span_id = SpanId(std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0xa0, static_cast<std::uint8_t>(n)});
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
  std::shared_ptr<const Resource> r2 =
      std::make_shared<const Resource>(std::vector<Attribute>{{"service.name", attr("dns-worker")}});
  std::shared_ptr<const InstrumentationScope> s1 = std::make_shared<const InstrumentationScope>(
      InstrumentationScope{"spanline.http", "0.1.0", "https://example.com/schema",
                           {{"scope.attr", attr(true)}}});
  std::shared_ptr<const InstrumentationScope> s2 =
      std::make_shared<const InstrumentationScope>(InstrumentationScope{"spanline.redis", "", "", {}});
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

void expect_same_spans(const Batch& sent, const std::vector<std::size_t>& order, const Batch& got) {
  ASSERT_EQ(got.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(span_diff(*sent[order[i]], *got[i]), "") << "span " << i << " (sent #" << order[i] << ")";
}

ExportTraceServiceRequest parse_proto(const std::string& bytes) {
  ExportTraceServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

// ---------------------------------------------------------------------------
// Protobuf

TEST(OtlpProtoEncoder, RoundTripsEveryField) {
  MixedBatch m;
  std::string out;
  encode_otlp_proto(m.batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);

  // Grouping: r1 (with its equal-valued copy), r2, then the empty resource;
  // scopes in first-seen order within each.
  ASSERT_EQ(request.resource_spans_size(), 3);
  const auto& rs1 = request.resource_spans(0);
  EXPECT_EQ(rs1.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  ASSERT_EQ(rs1.scope_spans_size(), 2);
  EXPECT_EQ(rs1.scope_spans(0).scope().name(), "spanline.http");
  EXPECT_EQ(rs1.scope_spans(0).scope().version(), "0.1.0");
  EXPECT_EQ(rs1.scope_spans(0).schema_url(), "https://example.com/schema");
  EXPECT_EQ(rs1.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(rs1.scope_spans(1).scope().name(), "spanline.redis");
  EXPECT_EQ(request.resource_spans(1).scope_spans_size(), 2);
  const auto& rs3 = request.resource_spans(2);
  EXPECT_TRUE(rs3.has_resource());
  EXPECT_EQ(rs3.resource().attributes_size(), 0);
  ASSERT_EQ(rs3.scope_spans_size(), 1);
  EXPECT_TRUE(rs3.scope_spans(0).has_scope());
  EXPECT_EQ(rs3.scope_spans(0).scope().name(), "");

  // Wire-level details that SpanData hides.
  const auto& full = rs1.scope_spans(0).spans(0);
  EXPECT_EQ(full.flags(), 0x301u);
  EXPECT_EQ(full.kind(), otlp_test::pb_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(full.status().code(), otlp_test::pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(full.links(0).flags(), 0x301u);
  EXPECT_EQ(full.links(1).flags(), 0x100u);
  EXPECT_EQ(full.attributes(24).key(), "");
  EXPECT_TRUE(full.attributes(20).value().has_array_value());
  EXPECT_EQ(full.attributes(20).value().array_value().values_size(), 0);
  EXPECT_EQ(full.attributes(7).value().value_case(), otlp_test::pb_common::AnyValue::kIntValue);
  EXPECT_EQ(full.attributes(5).value().value_case(), otlp_test::pb_common::AnyValue::kBoolValue);
  const auto& root = rs1.scope_spans(0).spans(1);
  EXPECT_TRUE(root.parent_span_id().empty());
  EXPECT_EQ(root.flags(), 0u);
  EXPECT_FALSE(root.has_status());

  expect_same_spans(m.batch, m.expected_order, otlp_test::spans_from_proto(request));
}

TEST(OtlpProtoEncoder, AppendsToExistingContent) {
  MixedBatch m;
  std::string alone;
  encode_otlp_proto(m.batch, alone);
  std::string out = "prefix";
  encode_otlp_proto(m.batch, out);
  EXPECT_EQ(out, "prefix" + alone);
}

TEST(OtlpProtoEncoder, EmptyBatchIsAnEmptyRequest) {
  std::string out;
  encode_otlp_proto({}, out);
  EXPECT_EQ(out, "");
  Batch with_null;
  with_null.push_back(nullptr);
  encode_otlp_proto(with_null, out);
  EXPECT_EQ(out, "");
}

TEST(OtlpProtoEncoder, ReplacesInvalidUtf8SoStrictReceiversAccept) {
  auto span = minimal_span(nullptr, nullptr, 1);
  span->name = "bad\xFF" "end";
  span->attributes = {{"k\xC0\xAF", attr("trunc\xE2\x82")}, {"surrogate", attr("\xED\xA0\x80!")}};
  Batch batch;
  batch.push_back(std::move(span));
  std::string out;
  encode_otlp_proto(batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);  // libprotobuf checks UTF-8
  const auto& s = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(s.name(), "bad\xEF\xBF\xBD" "end");
  EXPECT_EQ(s.attributes(0).key(), "k\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(s.attributes(0).value().string_value(), "trunc\xEF\xBF\xBD");
  EXPECT_EQ(s.attributes(1).value().string_value(), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!");
}

// Nested lengths are patched after the body is written; sizes around each
// varint width exercise both the shrink and the grow path at every level.
class OtlpProtoEncoderSizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(OtlpProtoEncoderSizes, RoundTrips) {
  MixedBatch m;
  for (auto& span : m.batch) span->attributes.push_back({"big", attr(std::string(GetParam(), 'x'))});
  std::string out;
  encode_otlp_proto(m.batch, out);
  expect_same_spans(m.batch, m.expected_order, otlp_test::spans_from_proto(parse_proto(out)));
}

INSTANTIATE_TEST_SUITE_P(VarintWidths, OtlpProtoEncoderSizes,
                         ::testing::Values(0, 100, 127, 128, 16'000, 16'400, 2'100'000));

// Many spans over several resources and scopes, against a straightforward
// reference grouping.
TEST(OtlpProtoEncoder, GroupsLargeRandomBatchesInFirstSeenOrder) {
  std::mt19937 rng(7);
  std::vector<std::shared_ptr<const Resource>> resources;
  for (int i = 0; i < 5; ++i)
    resources.push_back(std::make_shared<const Resource>(
        std::vector<Attribute>{{"service.name", attr("svc" + std::to_string(i % 4))}}));
  std::vector<std::shared_ptr<const InstrumentationScope>> scopes;
  for (int i = 0; i < 3; ++i)
    scopes.push_back(std::make_shared<const InstrumentationScope>(
        InstrumentationScope{"scope" + std::to_string(i), "", "", {}}));
  Batch batch;
  // Keyed by value: resources 0 and 4 are equal.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<std::size_t>>>>>
      reference;
  for (std::size_t i = 0; i < 1000; ++i) {
    auto r = resources[rng() % resources.size()];
    auto s = scopes[rng() % scopes.size()];
    batch.push_back(full_span(r, s, static_cast<int>(i)));
    const std::string rkey = to_display_string(r->attributes()[0].value);
    auto rit = std::find_if(reference.begin(), reference.end(), [&](auto& e) { return e.first == rkey; });
    if (rit == reference.end()) rit = reference.insert(reference.end(), {rkey, {}});
    auto sit = std::find_if(rit->second.begin(), rit->second.end(),
                            [&](auto& e) { return e.first == s->name; });
    if (sit == rit->second.end()) sit = rit->second.insert(rit->second.end(), {s->name, {}});
    sit->second.push_back(i);
  }
  std::vector<std::size_t> order;
  for (const auto& [r, ss] : reference)
    for (const auto& [s, spans] : ss) order.insert(order.end(), spans.begin(), spans.end());

  std::string out;
  encode_otlp_proto(batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);
  EXPECT_EQ(request.resource_spans_size(), 4);
  expect_same_spans(batch, order, otlp_test::spans_from_proto(request));
}

// ---------------------------------------------------------------------------
// JSON, read back with Boost.JSON

const json::value* find(const json::object& o, std::string_view key) { return o.if_contains(key); }
std::string str(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  return v ? std::string(v->as_string()) : std::string();
}
std::uint64_t u64_string(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  return v ? std::stoull(std::string(v->as_string())) : 0;
}
std::uint32_t u32(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  return v ? static_cast<std::uint32_t>(v->to_number<std::int64_t>()) : 0;
}
template <typename Id>
Id json_id(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  return v ? *Id::from_hex(v->as_string()) : Id();
}

double json_double(const json::value& v) {
  if (v.is_string()) {
    const std::string s(v.as_string());
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    ADD_FAILURE() << "bad double string " << s;
    return 0;
  }
  return v.to_number<double>();
}

AttributeValue json_scalar(const json::object& v) {
  if (auto* s = find(v, "stringValue")) return std::string(s->as_string());
  if (auto* b = find(v, "boolValue")) return b->as_bool();
  if (auto* i = find(v, "intValue")) return static_cast<std::int64_t>(std::stoll(std::string(i->as_string())));
  if (auto* d = find(v, "doubleValue")) return json_double(*d);
  ADD_FAILURE() << "unexpected AnyValue " << json::serialize(v);
  return std::string();
}

AttributeValue json_any_value(const json::object& v) {
  const json::value* array = find(v, "arrayValue");
  if (!array) return json_scalar(v);
  const json::array& values = array->as_object().at("values").as_array();
  if (values.empty()) return std::vector<std::string>{};
  AttributeValue first = json_scalar(values[0].as_object());
  return std::visit(
      [&](const auto& x) -> AttributeValue {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          std::vector<T> out;
          for (const auto& e : values) out.push_back(std::get<T>(json_scalar(e.as_object())));
          return out;
        } else {
          return std::string();
        }
      },
      first);
}

std::vector<Attribute> json_attributes(const json::object& o) {
  std::vector<Attribute> out;
  if (const json::value* list = find(o, "attributes"))
    for (const auto& kv : list->as_array())
      out.push_back({std::string(kv.at("key").as_string()),
                     json_any_value(kv.at("value").as_object())});
  return out;
}

SpanData json_span(const json::object& o) {
  SpanData d;
  d.trace_id = json_id<TraceId>(o, "traceId");
  d.span_id = json_id<SpanId>(o, "spanId");
  d.parent_span_id = json_id<SpanId>(o, "parentSpanId");
  d.trace_state = str(o, "traceState");
  const std::uint32_t flags = u32(o, "flags");
  d.trace_flags = static_cast<std::uint8_t>(flags & 0xff);
  d.has_remote_flag = (flags & 0x100) != 0;
  d.parent_is_remote = (flags & 0x200) != 0;
  d.name = str(o, "name");
  d.kind = static_cast<SpanKind>(u32(o, "kind"));
  d.start_unix_nano = u64_string(o, "startTimeUnixNano");
  d.end_unix_nano = u64_string(o, "endTimeUnixNano");
  d.attributes = json_attributes(o);
  d.dropped_attributes_count = u32(o, "droppedAttributesCount");
  if (const json::value* events = find(o, "events"))
    for (const auto& e : events->as_array()) {
      const json::object& eo = e.as_object();
      d.events.push_back({u64_string(eo, "timeUnixNano"), str(eo, "name"), json_attributes(eo),
                          u32(eo, "droppedAttributesCount")});
    }
  d.dropped_events_count = u32(o, "droppedEventsCount");
  if (const json::value* links = find(o, "links"))
    for (const auto& l : links->as_array()) {
      const json::object& lo = l.as_object();
      const std::uint32_t lf = u32(lo, "flags");
      EXPECT_NE(lf & 0x100, 0u);
      d.links.push_back({json_id<TraceId>(lo, "traceId"), json_id<SpanId>(lo, "spanId"),
                         str(lo, "traceState"), static_cast<std::uint8_t>(lf & 0xff),
                         (lf & 0x200) != 0, json_attributes(lo), u32(lo, "droppedAttributesCount")});
    }
  d.dropped_links_count = u32(o, "droppedLinksCount");
  if (const json::value* status = find(o, "status")) {
    d.status.message = str(status->as_object(), "message");
    d.status.code = static_cast<StatusCode>(u32(status->as_object(), "code"));
  }
  return d;
}

Batch spans_from_json(const std::string& text) {
  Batch out;
  const json::value doc = json::parse(text);
  for (const auto& rs : doc.at("resourceSpans").as_array()) {
    const json::object& rso = rs.as_object();
    auto resource = std::make_shared<const Resource>(json_attributes(rso.at("resource").as_object()),
                                                     str(rso, "schemaUrl"));
    for (const auto& ss : rso.at("scopeSpans").as_array()) {
      const json::object& sso = ss.as_object();
      const json::object& so = sso.at("scope").as_object();
      auto scope = std::make_shared<const InstrumentationScope>(InstrumentationScope{
          str(so, "name"), str(so, "version"), str(sso, "schemaUrl"), json_attributes(so)});
      for (const auto& s : sso.at("spans").as_array()) {
        out.push_back(std::make_unique<SpanData>(json_span(s.as_object())));
        out.back()->resource = resource;
        out.back()->scope = scope;
      }
    }
  }
  return out;
}

TEST(OtlpJsonEncoder, RoundTripsEveryField) {
  MixedBatch m;
  std::string out;
  encode_otlp_json(m.batch, out);
  expect_same_spans(m.batch, m.expected_order, spans_from_json(out));

  // The OTLP-specific parts of the mapping, checked on the raw document.
  const json::value doc = json::parse(out);
  const json::object& span =
      doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).as_object();
  EXPECT_EQ(span.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(span.at("startTimeUnixNano"), "1700000000123456789");
  EXPECT_EQ(span.at("endTimeUnixNano"), "18446744073709551615");
  EXPECT_EQ(span.at("kind"), 2);
  EXPECT_EQ(span.at("flags"), 0x301);
  EXPECT_EQ(span.at("status").at("code"), 2);
  EXPECT_EQ(span.at("attributes").at(6).at("value").at("intValue"), "42");
  EXPECT_EQ(span.at("attributes").at(9).at("value").at("intValue"), "-9223372036854775808");
  const json::object& root =
      doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(1).as_object();
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_FALSE(root.contains("status"));
}

TEST(OtlpJsonEncoder, EmptyBatchAndAppend) {
  std::string out = "x";
  encode_otlp_json({}, out);
  EXPECT_EQ(out, R"(x{"resourceSpans":[]})");
}

TEST(OtlpJsonEncoder, NonFiniteDoublesAreStrings) {
  auto span = minimal_span(nullptr, nullptr, 1);
  const double inf = std::numeric_limits<double>::infinity();
  span->attributes = {{"nan", attr(std::nan(""))},
                      {"inf", attr(inf)},
                      {"ninf", attr(-inf)},
                      {"array", std::vector<double>{inf, std::nan(""), -0.5}}};
  Batch batch;
  batch.push_back(std::move(span));
  std::string out;
  encode_otlp_json(batch, out);
  EXPECT_NE(out.find(R"({"doubleValue":"NaN"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"doubleValue":"Infinity"})"), std::string::npos);
  EXPECT_NE(out.find(R"({"doubleValue":"-Infinity"})"), std::string::npos);
  expect_same_spans(batch, {0}, spans_from_json(out));
}

TEST(OtlpJsonEncoder, EscapesControlCharactersAndReplacesInvalidUtf8) {
  auto span = minimal_span(nullptr, nullptr, 1);
  span->name = std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\0z", 15);
  span->attributes = {{"bad", attr("a\xFF" "b\xC0\xAF" "c\xE2\x82" "d\xED\xA0\x80" "e\xF4\x90\x80\x80")},
                      {"good", attr("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7f")}};
  Batch batch;
  batch.push_back(std::move(span));
  std::string out;
  encode_otlp_json(batch, out);
  EXPECT_NE(out.find(R"("q\"b\\s/\b\f\n\r\t\u0001\u001f\u0000z")"), std::string::npos) << out;
  const Batch got = spans_from_json(out);  // Boost.JSON rejects invalid UTF-8 and raw controls
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->name, batch[0]->name);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(std::get<std::string>(got[0]->attributes[0].value),
            "a" + fffd + "b" + fffd + fffd + "c" + fffd + "d" + fffd + fffd + fffd + "e" + fffd +
                fffd + fffd + fffd);
  EXPECT_EQ(got[0]->attributes[1].value, batch[0]->attributes[1].value);
}

// libprotobuf's own JSON parser checks the field names and value types of
// the mapping. It reads ids as base64 (OTLP uses hex), so ids are compared
// by the round-trip test above and cleared here.
TEST(OtlpJsonEncoder, MatchesTheProtobufJsonMappingApartFromIds) {
  MixedBatch m;
  std::string binary, text;
  encode_otlp_proto(m.batch, binary);
  encode_otlp_json(m.batch, text);
  ExportTraceServiceRequest from_binary = parse_proto(binary);
  ExportTraceServiceRequest from_json;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &from_json);
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (auto* request : {&from_binary, &from_json})
    for (auto& rs : *request->mutable_resource_spans())
      for (auto& ss : *rs.mutable_scope_spans())
        for (auto& span : *ss.mutable_spans()) {
          span.clear_trace_id();
          span.clear_span_id();
          span.clear_parent_span_id();
          for (auto& link : *span.mutable_links()) {
            link.clear_trace_id();
            link.clear_span_id();
          }
        }
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(from_binary, from_json)) << diff;
}

}  // namespace
}  // namespace spanline::telemetry
