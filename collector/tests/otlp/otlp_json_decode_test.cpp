// decode_otlp_json: every field and AnyValue kind read from hand-written
// documents, the leniency the proto3 JSON mapping asks of parsers, and each
// error with the path it names.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "otlp_json_test_util.h"

namespace spanline::collector {
namespace {

using namespace otlp_json_test;
namespace json = boost::json;

// Every field of the request, each AnyValue kind, and the value forms a
// sender may choose (ids in upper case, 64-bit integers as strings and as
// numbers, doubles as numbers and as the special strings).
constexpr std::string_view kFullDocument = R"({
  "resourceSpans": [{
    "resource": {
      "attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}],
      "droppedAttributesCount": 2,
      "entityRefs": [{"schemaUrl": "https://e.example/1", "type": "service",
                      "idKeys": ["service.name", "service.namespace"],
                      "descriptionKeys": ["deployment.environment"]}]
    },
    "scopeSpans": [{
      "scope": {"name": "spanline.http", "version": "1.2.3",
                "attributes": [{"key": "scope.attr", "value": {"boolValue": true}}],
                "droppedAttributesCount": 1},
      "spans": [{
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "traceState": "vendor=a1,other=b2",
        "parentSpanId": "eee19b7ec3c1b173",
        "flags": 769,
        "name": "GET /items/{id}",
        "kind": 2,
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": 18446744073709551615,
        "attributes": [
          {"key": "str", "value": {"stringValue": "caf\u00e9 \"q\" \ud83d\ude00"}},
          {"key": "str.empty", "value": {"stringValue": ""}},
          {"key": "bool", "value": {"boolValue": false}},
          {"key": "int.min", "value": {"intValue": "-9223372036854775808"}},
          {"key": "int.number", "value": {"intValue": 42}},
          {"key": "int.exponent", "value": {"intValue": "1e3"}},
          {"key": "double", "value": {"doubleValue": 3.25}},
          {"key": "double.integral", "value": {"doubleValue": 7}},
          {"key": "double.string", "value": {"doubleValue": "-1.5e3"}},
          {"key": "double.nan", "value": {"doubleValue": "NaN"}},
          {"key": "double.inf", "value": {"doubleValue": "Infinity"}},
          {"key": "double.ninf", "value": {"doubleValue": "-Infinity"}},
          {"key": "array", "value": {"arrayValue": {"values": [
            {"stringValue": "x"}, {"intValue": "1"}, {"arrayValue": {}}]}}},
          {"key": "kvlist", "value": {"kvlistValue": {"values": [
            {"key": "inner", "value": {"kvlistValue": {"values": [
              {"key": "deep", "value": {"doubleValue": -0.5}}]}}},
            {"key": "no.value"}]}}},
          {"key": "bytes", "value": {"bytesValue": "AAH/gA=="}},
          {"key": "unset", "value": {}}
        ],
        "droppedAttributesCount": 3,
        "events": [
          {"timeUnixNano": "1544712660300000000", "name": "exception",
           "attributes": [{"key": "exception.type", "value": {"stringValue": "E"}}],
           "droppedAttributesCount": 4},
          {}
        ],
        "droppedEventsCount": 5,
        "links": [{
          "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
          "traceState": "congo=t61rcWkgMzE",
          "attributes": [{"key": "link.kind", "value": {"stringValue": "follows"}}],
          "droppedAttributesCount": 6, "flags": 257
        }],
        "droppedLinksCount": 7,
        "status": {"message": "boom", "code": 2}
      }],
      "schemaUrl": "https://opentelemetry.io/schemas/1.21.0"
    }],
    "schemaUrl": "https://opentelemetry.io/schemas/1.24.0"
  }, {
    "scopeSpans": [{"spans": [{"traceId": "", "spanId": "", "name": "no ids"}]}]
  }]
})";

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(OtlpJsonDecode, ReadsEveryField) {
  const ExportTraceServiceRequest request = decode_ok(kFullDocument);
  ASSERT_EQ(request.resource_spans_size(), 2);
  const pb_trace::ResourceSpans& rs = request.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  const pb_resource::Resource& resource = rs.resource();
  ASSERT_EQ(resource.attributes_size(), 1);
  EXPECT_EQ(resource.attributes(0).key(), "service.name");
  EXPECT_EQ(resource.attributes(0).value().string_value(), "checkout");
  EXPECT_EQ(resource.dropped_attributes_count(), 2u);
  ASSERT_EQ(resource.entity_refs_size(), 1);
  const pb_common::EntityRef& entity = resource.entity_refs(0);
  EXPECT_EQ(entity.schema_url(), "https://e.example/1");
  EXPECT_EQ(entity.type(), "service");
  ASSERT_EQ(entity.id_keys_size(), 2);
  EXPECT_EQ(entity.id_keys(1), "service.namespace");
  ASSERT_EQ(entity.description_keys_size(), 1);
  EXPECT_EQ(entity.description_keys(0), "deployment.environment");

  ASSERT_EQ(rs.scope_spans_size(), 1);
  const pb_trace::ScopeSpans& ss = rs.scope_spans(0);
  EXPECT_EQ(ss.schema_url(), "https://opentelemetry.io/schemas/1.21.0");
  EXPECT_EQ(ss.scope().name(), "spanline.http");
  EXPECT_EQ(ss.scope().version(), "1.2.3");
  ASSERT_EQ(ss.scope().attributes_size(), 1);
  EXPECT_TRUE(ss.scope().attributes(0).value().bool_value());
  EXPECT_EQ(ss.scope().dropped_attributes_count(), 1u);

  ASSERT_EQ(ss.spans_size(), 1);
  const pb_trace::Span& span = ss.spans(0);
  EXPECT_EQ(span.trace_id(), bytes({0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69,
                                    0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c}));
  EXPECT_EQ(span.span_id(), bytes({0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74}));
  EXPECT_EQ(span.trace_state(), "vendor=a1,other=b2");
  EXPECT_EQ(span.parent_span_id(), bytes({0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x73}));
  EXPECT_EQ(span.flags(), 769u);
  EXPECT_EQ(span.name(), "GET /items/{id}");
  EXPECT_EQ(span.kind(), pb_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000u);
  EXPECT_EQ(span.end_time_unix_nano(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(span.dropped_attributes_count(), 3u);
  EXPECT_EQ(span.dropped_events_count(), 5u);
  EXPECT_EQ(span.dropped_links_count(), 7u);
  EXPECT_EQ(span.status().message(), "boom");
  EXPECT_EQ(span.status().code(), pb_trace::Status::STATUS_CODE_ERROR);

  const auto& a = span.attributes();
  ASSERT_EQ(a.size(), 16);
  EXPECT_EQ(a[0].value().string_value(), "caf\xC3\xA9 \"q\" \xF0\x9F\x98\x80");
  EXPECT_TRUE(a[1].value().has_string_value());
  EXPECT_EQ(a[1].value().string_value(), "");
  EXPECT_TRUE(a[2].value().has_bool_value());
  EXPECT_FALSE(a[2].value().bool_value());
  EXPECT_EQ(a[3].value().int_value(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(a[4].value().int_value(), 42);
  EXPECT_EQ(a[5].value().int_value(), 1000);
  EXPECT_EQ(a[6].value().double_value(), 3.25);
  EXPECT_TRUE(a[7].value().has_double_value());
  EXPECT_EQ(a[7].value().double_value(), 7.0);
  EXPECT_EQ(a[8].value().double_value(), -1500.0);
  EXPECT_TRUE(std::isnan(a[9].value().double_value()));
  EXPECT_EQ(a[10].value().double_value(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(a[11].value().double_value(), -std::numeric_limits<double>::infinity());

  const pb_common::ArrayValue& array = a[12].value().array_value();
  ASSERT_EQ(array.values_size(), 3);
  EXPECT_EQ(array.values(0).string_value(), "x");
  EXPECT_EQ(array.values(1).int_value(), 1);
  EXPECT_TRUE(array.values(2).has_array_value());
  EXPECT_EQ(array.values(2).array_value().values_size(), 0);

  const pb_common::KeyValueList& kvlist = a[13].value().kvlist_value();
  ASSERT_EQ(kvlist.values_size(), 2);
  EXPECT_EQ(kvlist.values(0).key(), "inner");
  const auto& inner = kvlist.values(0).value().kvlist_value();
  ASSERT_EQ(inner.values_size(), 1);
  EXPECT_EQ(inner.values(0).key(), "deep");
  EXPECT_EQ(inner.values(0).value().double_value(), -0.5);
  EXPECT_EQ(kvlist.values(1).key(), "no.value");
  EXPECT_FALSE(kvlist.values(1).has_value());

  EXPECT_EQ(a[14].value().bytes_value(), bytes({0x00, 0x01, 0xff, 0x80}));
  EXPECT_TRUE(a[15].has_value());
  EXPECT_EQ(a[15].value().value_case(), pb_common::AnyValue::VALUE_NOT_SET);

  ASSERT_EQ(span.events_size(), 2);
  EXPECT_EQ(span.events(0).time_unix_nano(), 1544712660300000000u);
  EXPECT_EQ(span.events(0).name(), "exception");
  ASSERT_EQ(span.events(0).attributes_size(), 1);
  EXPECT_EQ(span.events(0).attributes(0).value().string_value(), "E");
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 4u);
  EXPECT_EQ(span.events(1).ByteSizeLong(), 0u);

  ASSERT_EQ(span.links_size(), 1);
  const pb_trace::Span::Link& link = span.links(0);
  EXPECT_EQ(link.trace_id(), bytes({0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48,
                                    0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}));
  EXPECT_EQ(link.span_id(), bytes({0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}));
  EXPECT_EQ(link.trace_state(), "congo=t61rcWkgMzE");
  ASSERT_EQ(link.attributes_size(), 1);
  EXPECT_EQ(link.attributes(0).key(), "link.kind");
  EXPECT_EQ(link.dropped_attributes_count(), 6u);
  EXPECT_EQ(link.flags(), 257u);

  const pb_trace::ResourceSpans& second = request.resource_spans(1);
  EXPECT_FALSE(second.has_resource());
  ASSERT_EQ(second.scope_spans_size(), 1);
  EXPECT_FALSE(second.scope_spans(0).has_scope());
  ASSERT_EQ(second.scope_spans(0).spans_size(), 1);
  EXPECT_EQ(second.scope_spans(0).spans(0).trace_id(), "");
  EXPECT_EQ(second.scope_spans(0).spans(0).span_id(), "");
  EXPECT_EQ(second.scope_spans(0).spans(0).name(), "no ids");
}

// Rewrites every object key from lowerCamelCase to the proto field name.
void to_snake_case(json::value& v) {
  if (json::array* a = v.if_array()) {
    for (json::value& e : *a) to_snake_case(e);
  } else if (json::object* o = v.if_object()) {
    json::object snake;
    for (auto& [key, value] : *o) {
      std::string name;
      for (char c : key) {
        if (c >= 'A' && c <= 'Z') {
          name += '_';
          name += static_cast<char>(c - 'A' + 'a');
        } else {
          name += c;
        }
      }
      to_snake_case(value);
      snake[name] = value;
    }
    *o = std::move(snake);
  }
}

TEST(OtlpJsonDecode, AcceptsProtoFieldNames) {
  json::value doc = json::parse(kFullDocument);
  to_snake_case(doc);
  const std::string snake = json::serialize(doc);
  ASSERT_NE(snake.find("\"resource_spans\""), std::string::npos);
  ASSERT_NE(snake.find("\"dropped_attributes_count\""), std::string::npos);
  ASSERT_NE(snake.find("\"kvlist_value\""), std::string::npos);
  EXPECT_EQ(message_diff(decode_ok(kFullDocument), decode_ok(snake)), "");

  // Both spellings in one document; a later member overrides an earlier one.
  const auto mixed = decode_ok(
      R"({"resource_spans":[{"scopeSpans":[{"spans":[{"name":"a","trace_state":"x",
          "traceState":"y","start_time_unix_nano":"5"}]}]}]})");
  const auto& span = mixed.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_state(), "y");
  EXPECT_EQ(span.start_time_unix_nano(), 5u);
}

// A span with one member, as the decoder sees it.
pb_trace::Span decode_span(std::string_view members) {
  const std::string doc =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(members) + "}]}]}]}";
  const auto request = decode_ok(doc);
  if (request.resource_spans_size() != 1) return {};
  return request.resource_spans(0).scope_spans(0).spans(0);
}

pb_common::AnyValue decode_value(std::string_view any_value) {
  const auto span =
      decode_span(R"("attributes":[{"key":"k","value":)" + std::string(any_value) + "}]");
  if (span.attributes_size() != 1) return {};
  return span.attributes(0).value();
}

TEST(OtlpJsonDecode, SixtyFourBitIntegersAsNumbers) {
  EXPECT_EQ(decode_span(R"("startTimeUnixNano":1544712660000000000)").start_time_unix_nano(),
            1544712660000000000u);
  EXPECT_EQ(decode_span(R"("endTimeUnixNano":"18446744073709551615")").end_time_unix_nano(),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(decode_span(R"("endTimeUnixNano":1e9)").end_time_unix_nano(), 1000000000u);
  EXPECT_EQ(decode_span(R"("endTimeUnixNano":"-0")").end_time_unix_nano(), 0u);
  EXPECT_EQ(decode_value(R"({"intValue":-9223372036854775808})").int_value(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(decode_value(R"({"intValue":9223372036854775807})").int_value(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(decode_value(R"({"intValue":"9223372036854775807"})").int_value(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(decode_value(R"({"intValue":-2.5e1})").int_value(), -25);
  // 32-bit fields take strings too.
  EXPECT_EQ(decode_span(R"("droppedAttributesCount":"4294967295")").dropped_attributes_count(),
            4294967295u);
  EXPECT_EQ(decode_span(R"("flags":"1")").flags(), 1u);
}

TEST(OtlpJsonDecode, DoublesAreReadExactly) {
  // Boost.JSON 1.81's own decimal conversion returns each of these one ulp
  // off; they must come back as std::from_chars reads them.
  for (const std::string text :
       {"-3.7291703656001034e-155", "1.3927926388013963e-143", "5.409760742964738e+124"}) {
    double want = 0;
    std::from_chars(text.data(), text.data() + text.size(), want);
    EXPECT_EQ(decode_value(R"({"doubleValue":)" + text + "}").double_value(), want) << text;
    EXPECT_EQ(decode_value(R"({"doubleValue":")" + text + "\"}").double_value(), want) << text;
  }
  EXPECT_TRUE(std::signbit(decode_value(R"({"doubleValue":-0.0})").double_value()));
  EXPECT_EQ(decode_value(R"({"doubleValue":5e-324})").double_value(), 5e-324);
}

TEST(OtlpJsonDecode, EnumNames) {
  EXPECT_EQ(decode_span(R"("kind":"SPAN_KIND_CLIENT")").kind(), pb_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(decode_span(R"("status":{"code":"STATUS_CODE_OK"})").status().code(),
            pb_trace::Status::STATUS_CODE_OK);
  // proto3 enums are open: unknown numbers are kept.
  EXPECT_EQ(static_cast<int>(decode_span(R"("kind":42)").kind()), 42);
  EXPECT_EQ(static_cast<int>(decode_span(R"("status":{"code":-1})").status().code()), -1);
}

TEST(OtlpJsonDecode, NullMeansDefaultAndUnknownFieldsAreIgnored) {
  const auto request = decode_ok(R"({
    "future": {"deep": [1, {"x": null}]},
    "resourceSpans": [{
      "resource": null, "schemaUrl": null, "newField": 1,
      "scopeSpans": [{"scope": null, "spans": [{
        "traceId": null, "name": null, "kind": null, "attributes": null, "status": null,
        "unknown": {"stringValue": 1}, "events": [{"time_unix_nano": null, "extra": []}]
      }]}]
    }]
  })");
  ASSERT_EQ(request.resource_spans_size(), 1);
  EXPECT_FALSE(request.resource_spans(0).has_resource());
  const auto& ss = request.resource_spans(0).scope_spans(0);
  EXPECT_FALSE(ss.has_scope());
  const pb_trace::Span& span = ss.spans(0);
  EXPECT_FALSE(span.has_status());
  ASSERT_EQ(span.events_size(), 1);
  EXPECT_EQ(span.ByteSizeLong(), 2u);  // the empty event's tag and length

  EXPECT_EQ(decode_value(R"({"stringValue":null})").value_case(),
            pb_common::AnyValue::VALUE_NOT_SET);
  EXPECT_EQ(decode_ok("{}").resource_spans_size(), 0);
  EXPECT_EQ(decode_ok(" \n{ \"resourceSpans\" : [ ] }\t").resource_spans_size(), 0);
}

TEST(OtlpJsonDecode, Base64Forms) {
  EXPECT_EQ(decode_value(R"({"bytesValue":""})").bytes_value(), "");
  EXPECT_TRUE(decode_value(R"({"bytesValue":""})").has_bytes_value());
  EXPECT_EQ(decode_value(R"({"bytesValue":"YQ=="})").bytes_value(), "a");
  EXPECT_EQ(decode_value(R"({"bytesValue":"YQ"})").bytes_value(), "a");
  EXPECT_EQ(decode_value(R"({"bytesValue":"YWI="})").bytes_value(), "ab");
  EXPECT_EQ(decode_value(R"({"bytesValue":"YWJj"})").bytes_value(), "abc");
  EXPECT_EQ(decode_value(R"({"bytesValue":"-_8="})").bytes_value(), bytes({0xfb, 0xff}));
  EXPECT_EQ(decode_value(R"({"bytesValue":"+/8="})").bytes_value(), bytes({0xfb, 0xff}));
}

TEST(OtlpJsonDecode, ReplacesThePreviousContent) {
  ExportTraceServiceRequest out = decode_ok(kFullDocument);
  std::string error;
  ASSERT_TRUE(decode_otlp_json("{}", out, &error)) << error;
  EXPECT_EQ(out.resource_spans_size(), 0);
  // The error pointer may be null.
  EXPECT_FALSE(decode_otlp_json("[]", out, nullptr));
}

// ---------------------------------------------------------------------------
// Errors

constexpr std::string_view kSpan = "resourceSpans[0].scopeSpans[0].spans[0]";

std::string span_error(std::string_view members) {
  return decode_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(members) +
                      "}]}]}]}");
}
std::string value_error(std::string_view any_value) {
  return span_error(R"("attributes":[{"key":"k","value":)" + std::string(any_value) + "}]");
}
std::string at(std::string_view suffix, std::string_view what) {
  return std::string(kSpan) + std::string(suffix) + ": " + std::string(what);
}

TEST(OtlpJsonDecodeError, Ids) {
  EXPECT_EQ(span_error(R"("traceId":"5b8efff798038103d269b633813fc60g")"),
            at(".traceId", "expected 32 hex digits"));
  EXPECT_EQ(span_error(R"("traceId":"5b8efff798038103d269b633813fc6")"),
            at(".traceId", "expected 32 hex digits"));
  EXPECT_EQ(span_error(R"("traceId":"5b8efff798038103d269b633813fc60c00")"),
            at(".traceId", "expected 32 hex digits"));
  EXPECT_EQ(span_error(R"("traceId":"W46N/3mAOBA9JpszgT/GDA==")"),  // base64, not hex
            at(".traceId", "expected 32 hex digits"));
  EXPECT_EQ(span_error(R"("spanId":"eee19b7ec3c1b1")"), at(".spanId", "expected 16 hex digits"));
  EXPECT_EQ(span_error(R"("spanId":"eee19b7ec3c1b1 4")"), at(".spanId", "expected 16 hex digits"));
  EXPECT_EQ(span_error(R"("parent_span_id":"0x e19b7ec3c1b17")"),
            at(".parentSpanId", "expected 16 hex digits"));
  EXPECT_EQ(span_error(R"("links":[{},{"traceId":"abc"}])"),
            at(".links[1].traceId", "expected 32 hex digits"));
  EXPECT_EQ(span_error(R"("links":[{"spanId":"00000000000000000"}])"),
            at(".links[0].spanId", "expected 16 hex digits"));
  EXPECT_EQ(span_error(R"("traceId":5)"), at(".traceId", "expected a string"));
}

TEST(OtlpJsonDecodeError, WrongTypes) {
  EXPECT_EQ(decode_error(R"({"resourceSpans":{}})"), "resourceSpans: expected an array");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[[]]})"), "resourceSpans[0]: expected an object");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[{"resource":[]}]})"),
            "resourceSpans[0].resource: expected an object");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[{"schemaUrl":1}]})"),
            "resourceSpans[0].schemaUrl: expected a string");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[{"resource":{"entityRefs":[{"idKeys":["a",1]}]}}]})"),
            "resourceSpans[0].resource.entityRefs[0].idKeys[1]: expected a string");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[{"scopeSpans":[{"scope":{"version":false}}]}]})"),
            "resourceSpans[0].scopeSpans[0].scope.version: expected a string");
  EXPECT_EQ(decode_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]})"),
            at("", "expected an object"));
  EXPECT_EQ(span_error(R"("name":["x"])"), at(".name", "expected a string"));
  EXPECT_EQ(span_error(R"("kind":true)"), at(".kind", "expected an integer"));
  EXPECT_EQ(span_error(R"("kind":"SPAN_KIND_SERVERS")"), at(".kind", "unknown enum value name"));
  EXPECT_EQ(span_error(R"("kind":2147483648)"), at(".kind", "integer out of range"));
  EXPECT_EQ(span_error(R"("status":{"code":"2"})"), at(".status.code", "unknown enum value name"));
  EXPECT_EQ(span_error(R"("flags":-1)"), at(".flags", "integer out of range"));
  EXPECT_EQ(span_error(R"("droppedLinksCount":4294967296)"),
            at(".droppedLinksCount", "integer out of range"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":"-1")"),
            at(".startTimeUnixNano", "integer out of range"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":18446744073709551616)"),
            at(".startTimeUnixNano", "integer out of range"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":1e999)"),
            at(".startTimeUnixNano", "integer out of range"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":"12abc")"),
            at(".startTimeUnixNano", "expected an integer"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":" 12")"),
            at(".startTimeUnixNano", "expected an integer"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":"+12")"),
            at(".startTimeUnixNano", "expected an integer"));
  EXPECT_EQ(span_error(R"("startTimeUnixNano":1.5)"),
            at(".startTimeUnixNano", "expected an integer"));
  EXPECT_EQ(span_error(R"("events":[{"timeUnixNano":{}}])"),
            at(".events[0].timeUnixNano", "expected an integer"));
  EXPECT_EQ(span_error(R"("events":{})"), at(".events", "expected an array"));
  EXPECT_EQ(span_error(R"("attributes":[{"key":1}])"),
            at(".attributes[0].key", "expected a string"));
  EXPECT_EQ(span_error(R"("attributes":[{"key":"k","value":"v"}])"),
            at(".attributes[0].value", "expected an object"));
}

TEST(OtlpJsonDecodeError, AnyValues) {
  const std::string value = std::string(kSpan) + ".attributes[0].value";
  EXPECT_EQ(value_error(R"({"boolValue":"true"})"), value + ".boolValue: expected a boolean");
  EXPECT_EQ(value_error(R"({"intValue":"9223372036854775808"})"),
            value + ".intValue: integer out of range");
  EXPECT_EQ(value_error(R"({"intValue":-9223372036854775809})"),
            value + ".intValue: integer out of range");
  EXPECT_EQ(value_error(R"({"intValue":"-9223372036854775809"})"),
            value + ".intValue: integer out of range");
  EXPECT_EQ(value_error(R"({"intValue":"1.5"})"), value + ".intValue: expected an integer");
  EXPECT_EQ(value_error(R"({"intValue":"1e999"})"), value + ".intValue: integer out of range");
  EXPECT_EQ(value_error(R"({"intValue":true})"), value + ".intValue: expected an integer");
  EXPECT_EQ(value_error(R"({"doubleValue":"nan"})"), value + ".doubleValue: expected a number");
  EXPECT_EQ(value_error(R"({"doubleValue":"0x10"})"), value + ".doubleValue: expected a number");
  EXPECT_EQ(value_error(R"({"doubleValue":1e999})"), value + ".doubleValue: number out of range");
  EXPECT_EQ(value_error(R"({"doubleValue":"-1e999"})"),
            value + ".doubleValue: number out of range");
  EXPECT_EQ(value_error(R"({"stringValue":1})"), value + ".stringValue: expected a string");
  EXPECT_EQ(value_error(R"({"bytesValue":"abc!"})"), value + ".bytesValue: invalid base64");
  EXPECT_EQ(value_error(R"({"bytesValue":"abcde"})"), value + ".bytesValue: invalid base64");
  EXPECT_EQ(value_error(R"({"bytesValue":"YQ="})"), value + ".bytesValue: invalid base64");
  EXPECT_EQ(value_error(R"({"bytesValue":"Y==="})"), value + ".bytesValue: invalid base64");
  EXPECT_EQ(value_error(R"({"stringValue":"a","intValue":"1"})"),
            value + ".intValue: AnyValue holds more than one value");
  EXPECT_EQ(value_error(R"({"string_value":"a","stringValue":"b"})"),
            value + ".stringValue: AnyValue holds more than one value");
  EXPECT_EQ(value_error(R"({"arrayValue":{"values":[{"intValue":1},{"boolValue":0}]}})"),
            value + ".arrayValue.values[1].boolValue: expected a boolean");
  EXPECT_EQ(value_error(R"({"arrayValue":{"values":[1]}})"),
            value + ".arrayValue.values[0]: expected an object");
  EXPECT_EQ(value_error(R"({"arrayValue":[]})"), value + ".arrayValue: expected an object");
  EXPECT_EQ(value_error(R"({"kvlistValue":{"values":[{"key":"a","value":{"doubleValue":[]}}]}})"),
            value + ".kvlistValue.values[0].value.doubleValue: expected a number");
}

// An attribute value holding `levels` AnyValues, each nested in the
// previous one's array (or key-value list).
std::string nested_value(int levels, bool kvlist) {
  std::string open, close;
  for (int i = 1; i < levels; ++i) {
    open += kvlist ? R"({"kvlistValue":{"values":[{"key":"k","value":)"
                   : R"({"arrayValue":{"values":[)";
    close += kvlist ? "}]}}" : "]}}";
  }
  return open + R"({"intValue":"1"})" + close;
}
std::string nested_path(int levels, bool kvlist) {
  std::string path;
  for (int i = 1; i < levels; ++i)
    path += kvlist ? ".kvlistValue.values[0].value" : ".arrayValue.values[0]";
  return path;
}

TEST(OtlpJsonDecodeError, AnyValueDepthIsCapped) {
  for (const bool kvlist : {false, true}) {
    SCOPED_TRACE(kvlist ? "kvlistValue" : "arrayValue");
    EXPECT_EQ(value_error(nested_value(64, kvlist)), "");
    EXPECT_EQ(value_error(nested_value(65, kvlist)),
              at(".attributes[0].value" + nested_path(65, kvlist),
                 "AnyValue nested deeper than 64 levels"));
    // Event attributes start deepest in the document.
    EXPECT_EQ(span_error(R"("events":[{"attributes":[{"key":"k","value":)" +
                         nested_value(65, kvlist) + "}]}]"),
              at(".events[0].attributes[0].value" + nested_path(65, kvlist),
                 "AnyValue nested deeper than 64 levels"));
  }
  // Deeper still, the JSON parser stops first.
  EXPECT_EQ(value_error(nested_value(200, true)).rfind("invalid JSON at byte ", 0), 0u);
}

TEST(OtlpJsonDecodeError, NotAnObjectAtTheTop) {
  EXPECT_EQ(decode_error("[]"), "expected an object");
  EXPECT_EQ(decode_error("null"), "expected an object");
  EXPECT_EQ(decode_error("\"resourceSpans\""), "expected an object");
  EXPECT_EQ(decode_error("17"), "expected an object");
}

TEST(OtlpJsonDecodeError, MalformedJson) {
  EXPECT_EQ(decode_error("{} x"), "invalid JSON at byte 3: extra data");
  EXPECT_EQ(decode_error("{}{}"), "invalid JSON at byte 2: extra data");
  EXPECT_EQ(decode_error(std::string_view("{\"resourceSpans\":[]}\0", 21))
                .rfind("invalid JSON at byte 20", 0),
            0u);
  EXPECT_EQ(decode_error("").rfind("invalid JSON at byte 0", 0), 0u);
  EXPECT_EQ(decode_error("{").rfind("invalid JSON at byte 1", 0), 0u);
  EXPECT_EQ(decode_error(R"({"a":1,})").rfind("invalid JSON at byte 7", 0), 0u);
  EXPECT_EQ(decode_error("{\"a\":\"\xC3\"}").rfind("invalid JSON", 0), 0u);   // bad UTF-8
  EXPECT_EQ(decode_error(R"({"a":"\ud800"})").rfind("invalid JSON", 0), 0u);  // lone surrogate
  EXPECT_EQ(decode_error("{/* c */}").rfind("invalid JSON", 0), 0u);
  // Nesting past what any valid request needs fails in the parser, before
  // the decoder recurses.
  const std::string deep = R"({"x":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_EQ(decode_error(deep).rfind("invalid JSON at byte ", 0), 0u);
}

}  // namespace
}  // namespace spanline::collector
