// encode_otlp_json and decode_otlp_json against each other, against the
// SDK's own OTLP encoders (JSON and protobuf), and against libprotobuf's
// JSON mapping; the exact text of the encoding; responses.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "otlp_json_test_util.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::collector {
namespace {

using namespace otlp_json_test;
namespace tel = spanline::telemetry;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------------------
// Spans from the SDK, encoded by the SDK

std::vector<tel::Attribute> sdk_attributes() {
  return {
      {"str", tel::attr("h\xC3\xA9llo \"q\" \\ \n\t\x01 \xF0\x9F\x98\x80")},
      {"str.empty", tel::attr("")},
      {"str.bad.utf8", tel::attr("a\xFF"
                                 "b")},
      {"bool", tel::attr(true)},
      {"int.min", tel::AttributeValue(kInt64Min)},
      {"int.max", tel::AttributeValue(kInt64Max)},
      {"double", tel::attr(1.0 / 3)},
      {"double.tiny", tel::attr(5e-324)},
      {"double.nan", tel::attr(kNaN)},
      {"double.inf", tel::attr(-kInf)},
      {"array.str", std::vector<std::string>{"a", ""}},
      {"array.bool", std::vector<bool>{true, false}},
      {"array.int", std::vector<std::int64_t>{kInt64Min, 0, kInt64Max}},
      {"array.double", std::vector<double>{1.5, kInf, 1e300}},
      {"array.empty", std::vector<std::int64_t>{}},
      {"", tel::attr("empty key")},
  };
}

std::unique_ptr<tel::SpanData> sdk_span(std::shared_ptr<const tel::Resource> resource,
                                        std::shared_ptr<const tel::InstrumentationScope> scope,
                                        std::uint8_t n, bool full) {
  auto s = std::make_unique<tel::SpanData>();
  s->trace_id = *tel::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  s->span_id = tel::SpanId(std::array<std::uint8_t, 8>{0xf0, 0, 0, 0, 0, 0, 0xab, n});
  s->resource = std::move(resource);
  s->scope = std::move(scope);
  if (!full) {
    s->kind = tel::SpanKind::kUnspecified;
    s->has_remote_flag = false;
    return s;
  }
  s->parent_span_id = *tel::SpanId::from_hex("00f067aa0ba902b7");
  s->trace_state = "vendor=a1,other=b2";
  s->trace_flags = 0x01;
  s->parent_is_remote = true;
  s->name = "GET /api/v1/items/{id}";
  s->kind = tel::SpanKind::kServer;
  s->start_unix_nano = 1'700'000'000'123'456'789ULL;
  s->end_unix_nano = std::numeric_limits<std::uint64_t>::max();
  s->attributes = sdk_attributes();
  s->dropped_attributes_count = 3;
  s->events = {{1'700'000'000'200'000'000ULL, "exception", {{"count", tel::attr(2)}}, 1},
               {0, "", {}, 0}};
  s->dropped_events_count = 4;
  s->links = {{*tel::TraceId::from_hex("0af7651916cd43dd8448eb211c80319c"),
               *tel::SpanId::from_hex("b7ad6b7169203331"),
               "congo=t61rcWkgMzE",
               0x01,
               true,
               {{"link.kind", tel::attr("follows")}},
               7}};
  s->dropped_links_count = 5;
  s->status = {tel::StatusCode::kError, "boom: \"quoted\""};
  return s;
}

TEST(OtlpJsonRoundTrip, SdkJsonAndProtobufDecodeToTheSameMessage) {
  auto r1 = std::make_shared<const tel::Resource>(
      std::vector<tel::Attribute>{{"service.name", tel::attr("task-api")}},
      "https://opentelemetry.io/schemas/1.24.0");
  auto r2 = std::make_shared<const tel::Resource>(
      std::vector<tel::Attribute>{{"service.name", tel::attr("dns-worker")}});
  auto s1 = std::make_shared<const tel::InstrumentationScope>(tel::InstrumentationScope{
      "spanline.http", "0.1.0", "https://example.com/schema", {{"scope.attr", tel::attr(true)}}});
  auto s2 = std::make_shared<const tel::InstrumentationScope>(
      tel::InstrumentationScope{"spanline.redis", "", "", {}});
  std::vector<std::unique_ptr<tel::SpanData>> batch;
  batch.push_back(sdk_span(r1, s1, 0, true));
  batch.push_back(sdk_span(r2, s1, 1, false));
  batch.push_back(sdk_span(r1, s2, 2, true));
  batch.push_back(sdk_span(nullptr, nullptr, 3, false));

  std::string text, binary;
  tel::encode_otlp_json(batch, text);
  tel::encode_otlp_proto(batch, binary);
  ExportTraceServiceRequest from_proto;
  ASSERT_TRUE(from_proto.ParseFromString(binary));
  const ExportTraceServiceRequest from_json = decode_ok(text);
  EXPECT_EQ(message_diff(from_proto, from_json), "");
  ASSERT_EQ(from_json.resource_spans_size(), 3);
  EXPECT_EQ(from_json.resource_spans(0).scope_spans_size(), 2);
  EXPECT_EQ(from_json.resource_spans(0).scope_spans(0).spans(0).attributes_size(),
            static_cast<int>(sdk_attributes().size()));

  // Our encoding of that message reads back the same as well.
  std::string again;
  encode_otlp_json(from_json, again);
  EXPECT_EQ(message_diff(from_proto, decode_ok(again)), "");
}

// ---------------------------------------------------------------------------
// A message with every field set

std::string all_bytes() {
  std::string out;
  for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  return out;
}

void add_every_kind_of_value(google::protobuf::RepeatedPtrField<pb_common::KeyValue>& out) {
  auto add = [&](std::string key) {
    pb_common::KeyValue* kv = out.Add();
    kv->set_key(std::move(key));
    return kv->mutable_value();
  };
  add("str")->set_string_value("caf\xC3\xA9 \"q\" \\ / \x01\x1f\x7f \xF0\x9F\x98\x80");
  add("str.empty")->set_string_value("");
  add("bool.true")->set_bool_value(true);
  add("bool.false")->set_bool_value(false);
  add("int.zero")->set_int_value(0);
  add("int.min")->set_int_value(kInt64Min);
  add("int.max")->set_int_value(kInt64Max);
  for (double d : {0.0, -0.0, 3.25, -1e-7, 5e-324, 1.7976931348623157e308, 1e21, 9007199254740993.0,
                   kNaN, kInf, -kInf})
    add("double")->set_double_value(d);
  add("bytes.empty")->set_bytes_value("");
  add("bytes.1")->set_bytes_value("\xff");
  add("bytes.2")->set_bytes_value("\xff\x01");
  add("bytes.all")->set_bytes_value(all_bytes());
  add("unset");
  out.Add()->set_key("no.value");
  pb_common::ArrayValue* array = add("array")->mutable_array_value();
  array->add_values()->set_string_value("x");
  array->add_values()->set_int_value(-1);
  array->add_values()->mutable_array_value()->add_values()->set_bool_value(true);
  array->add_values()->mutable_kvlist_value();
  array->add_values();
  add("array.empty")->mutable_array_value();
  pb_common::KeyValueList* kvlist = add("kvlist")->mutable_kvlist_value();
  pb_common::KeyValue* inner = kvlist->add_values();
  inner->set_key("inner");
  inner->mutable_value()->mutable_kvlist_value()->add_values()->set_key("leaf");
  kvlist->add_values()->set_key("");
}

void set_every_span_field(pb_trace::Span& span) {
  span.set_trace_id("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c");
  span.set_span_id(std::string("\xee\xe1\x9b\x7e\xc3\xc1\x00\x74", 8));
  span.set_trace_state("vendor=a1");
  span.set_parent_span_id("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73");
  span.set_flags(0xffffffff);
  span.set_name("GET /items");
  span.set_kind(static_cast<pb_trace::Span::SpanKind>(42));  // open enum: unknown value
  span.set_start_time_unix_nano(1);
  span.set_end_time_unix_nano(std::numeric_limits<std::uint64_t>::max());
  add_every_kind_of_value(*span.mutable_attributes());
  span.set_dropped_attributes_count(0xffffffff);
  pb_trace::Span::Event* event = span.add_events();
  event->set_time_unix_nano(1544712660300000000);
  event->set_name("exception");
  add_every_kind_of_value(*event->mutable_attributes());
  event->set_dropped_attributes_count(4);
  span.add_events();
  span.set_dropped_events_count(5);
  pb_trace::Span::Link* link = span.add_links();
  link->set_trace_id(std::string(16, '\0'));
  link->set_span_id(std::string(8, '\x01'));
  link->set_trace_state("congo=t61");
  add_every_kind_of_value(*link->mutable_attributes());
  link->set_dropped_attributes_count(6);
  link->set_flags(0x301);
  span.add_links();
  span.set_dropped_links_count(7);
  span.mutable_status()->set_message("boom\n");
  span.mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);
}

ExportTraceServiceRequest every_field() {
  ExportTraceServiceRequest request;
  pb_trace::ResourceSpans* rs = request.add_resource_spans();
  rs->set_schema_url("https://opentelemetry.io/schemas/1.24.0");
  pb_resource::Resource* resource = rs->mutable_resource();
  add_every_kind_of_value(*resource->mutable_attributes());
  resource->set_dropped_attributes_count(2);
  pb_common::EntityRef* entity = resource->add_entity_refs();
  entity->set_schema_url("https://e.example/1");
  entity->set_type("service");
  entity->add_id_keys("service.name");
  entity->add_id_keys("");
  entity->add_description_keys("deployment.environment");
  resource->add_entity_refs();
  pb_trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  pb_common::InstrumentationScope* scope = ss->mutable_scope();
  scope->set_name("spanline.http");
  scope->set_version("1.2.3");
  add_every_kind_of_value(*scope->mutable_attributes());
  scope->set_dropped_attributes_count(1);
  set_every_span_field(*ss->add_spans());
  pb_trace::Span* minimal = ss->add_spans();
  minimal->mutable_status();
  // Present but empty messages, and absent ones.
  request.add_resource_spans()->mutable_resource();
  request.add_resource_spans()->add_scope_spans()->mutable_scope();
  request.add_resource_spans()->add_scope_spans()->add_spans();
  return request;
}

TEST(OtlpJsonRoundTrip, EveryFieldSurvivesEncodeAndDecode) {
  const ExportTraceServiceRequest sent = every_field();
  std::string text;
  encode_otlp_json(sent, text);
  const ExportTraceServiceRequest got = decode_ok(text);
  EXPECT_EQ(message_diff(sent, got), "");
  // The encoding is a fixed point: what decodes re-encodes to the same text.
  std::string again;
  encode_otlp_json(got, again);
  EXPECT_EQ(again, text);
  // Its protobuf form too.
  EXPECT_EQ(got.SerializeAsString().size(), sent.SerializeAsString().size());
}

TEST(OtlpJsonRoundTrip, DoublesKeepEveryBit) {
  ExportTraceServiceRequest sent;
  auto* attributes = sent.add_resource_spans()->mutable_resource()->mutable_attributes();
  std::mt19937_64 random(7);
  for (int i = 0; i < 5000; ++i) {
    const double d = std::bit_cast<double>(random());
    if (!std::isnan(d)) attributes->Add()->mutable_value()->set_double_value(d);
  }
  std::string text;
  encode_otlp_json(sent, text);
  const ExportTraceServiceRequest got = decode_ok(text);
  const auto& back = got.resource_spans(0).resource().attributes();
  ASSERT_EQ(back.size(), attributes->size());
  for (int i = 0; i < back.size(); ++i) {
    const double want = (*attributes)[i].value().double_value();
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back[i].value().double_value()),
              std::bit_cast<std::uint64_t>(want))
        << want;
  }
}

// Ids travel as base64 in libprotobuf's JSON and as hex in OTLP; without
// them the two mappings must agree, both ways.
void clear_ids(ExportTraceServiceRequest& request) {
  for (auto& rs : *request.mutable_resource_spans())
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
}

TEST(OtlpJsonRoundTrip, AgreesWithLibprotobufJsonMappingApartFromIds) {
  ExportTraceServiceRequest sent = every_field();
  clear_ids(sent);
  // libprotobuf prints unknown enum numbers as numbers but cannot parse
  // them back; keep to named values here.
  sent.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_kind(
      pb_trace::Span::SPAN_KIND_CONSUMER);

  std::string ours;
  encode_otlp_json(sent, ours);
  ExportTraceServiceRequest by_libprotobuf;
  const auto status = google::protobuf::util::JsonStringToMessage(ours, &by_libprotobuf);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(message_diff(sent, by_libprotobuf), "");

  for (const bool proto_names : {false, true}) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = proto_names;  // enums as names either way
    std::string theirs;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(sent, &theirs, options).ok());
    ASSERT_NE(theirs.find("SPAN_KIND_CONSUMER"), std::string::npos);
    EXPECT_EQ(message_diff(sent, decode_ok(theirs)), "") << theirs;
  }
}

// ---------------------------------------------------------------------------
// The exact text

TEST(OtlpJsonEncode, WritesLowerCamelCaseHexIdsAndOmitsDefaults) {
  ExportTraceServiceRequest request;
  pb_trace::ResourceSpans* rs = request.add_resource_spans();
  rs->mutable_resource();
  pb_trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  pb_trace::Span* span = ss->add_spans();
  span->set_trace_id("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c");
  span->set_span_id("\xEE\xE1\x9B\x7E\xC3\xC1\xB1\x74");
  span->set_flags(0x101);
  span->set_name("op");
  span->set_kind(pb_trace::Span::SPAN_KIND_CLIENT);
  span->set_start_time_unix_nano(1544712660000000000);
  span->set_end_time_unix_nano(1544712661000000000);
  pb_common::KeyValue* kv = span->add_attributes();
  kv->set_key("n");
  kv->mutable_value()->set_int_value(7);
  kv = span->add_attributes();
  kv->set_key("d");
  kv->mutable_value()->set_double_value(0.5);
  kv = span->add_attributes();
  kv->set_key("b");
  kv->mutable_value()->set_bytes_value("abc");
  span->add_events()->set_name("e");
  span->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);

  std::string out = "prefix:";
  encode_otlp_json(request, out);
  EXPECT_EQ(out,
            "prefix:"
            R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{"name":"lib"},"spans":[{)"
            R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
            R"("flags":257,"name":"op","kind":3,"startTimeUnixNano":"1544712660000000000",)"
            R"("endTimeUnixNano":"1544712661000000000","attributes":[)"
            R"({"key":"n","value":{"intValue":"7"}},{"key":"d","value":{"doubleValue":0.5}},)"
            R"({"key":"b","value":{"bytesValue":"YWJj"}}],"events":[{"name":"e"}],)"
            R"("status":{"code":2}}]}]}]})");
}

TEST(OtlpJsonEncode, SpecialValues) {
  ExportTraceServiceRequest request;
  auto* attributes = request.add_resource_spans()->mutable_resource()->mutable_attributes();
  for (double d : {kNaN, kInf, -kInf, -0.0, 1e21, 0.1})
    attributes->Add()->mutable_value()->set_double_value(d);
  attributes->Add()->mutable_value()->set_int_value(kInt64Min);
  attributes->Add()->mutable_value()->set_string_value("\"\\\n\x01\xFF");
  std::string out;
  encode_otlp_json(request, out);
  EXPECT_EQ(out, R"({"resourceSpans":[{"resource":{"attributes":[)"
                 R"({"value":{"doubleValue":"NaN"}},{"value":{"doubleValue":"Infinity"}},)"
                 R"({"value":{"doubleValue":"-Infinity"}},{"value":{"doubleValue":-0.0}},)"
                 R"({"value":{"doubleValue":1e+21}},{"value":{"doubleValue":0.1}},)"
                 R"({"value":{"intValue":"-9223372036854775808"}},)"
                 R"({"value":{"stringValue":"\"\\\n\u0001)"
                 "\xEF\xBF\xBD"
                 R"("}}]}}]})");
}

TEST(OtlpJsonEncode, EmptyRequest) {
  std::string out;
  encode_otlp_json(ExportTraceServiceRequest(), out);
  EXPECT_EQ(out, "{}");
  EXPECT_EQ(decode_ok(out).resource_spans_size(), 0);
}

// ---------------------------------------------------------------------------
// Responses, read back by the SDK's exporter

TEST(OtlpJsonEncode, Responses) {
  std::string out;
  encode_otlp_json(ExportTraceServiceResponse(), out);
  EXPECT_EQ(out, "{}");

  ExportTraceServiceResponse response;
  response.mutable_partial_success();
  out.clear();
  encode_otlp_json(response, out);
  EXPECT_EQ(out, R"({"partialSuccess":{}})");

  response.mutable_partial_success()->set_rejected_spans(9007199254740993);
  response.mutable_partial_success()->set_error_message("2 spans \"bad\"");
  out.clear();
  encode_otlp_json(response, out);
  EXPECT_EQ(out, R"({"partialSuccess":{"rejectedSpans":"9007199254740993",)"
                 R"("errorMessage":"2 spans \"bad\""}})");
  tel::OtlpPartialSuccess read;
  ASSERT_TRUE(tel::decode_otlp_response_json(out, read));
  EXPECT_EQ(read.rejected_spans, 9007199254740993);
  EXPECT_EQ(read.error_message, "2 spans \"bad\"");

  out = "x";
  response.mutable_partial_success()->set_rejected_spans(0);
  encode_otlp_json(response, out);
  EXPECT_EQ(out, R"(x{"partialSuccess":{"errorMessage":"2 spans \"bad\""}})");
}

}  // namespace
}  // namespace spanline::collector
