// Round trips of the hand-written OTLP/JSON encoder through independent
// readers: Boost.JSON for values, libprotobuf's JSON parser for the field
// mapping.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "otlp_encoder_test_data.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

namespace json = boost::json;
using namespace otlp_test;
using pb_collector::ExportTraceServiceRequest;

// ---------------------------------------------------------------------------
// JSON, read back with Boost.JSON

const json::value* find(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}
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
  if (auto* i = find(v, "intValue"))
    return static_cast<std::int64_t>(std::stoll(std::string(i->as_string())));
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
      out.push_back(
          {std::string(kv.at("key").as_string()), json_any_value(kv.at("value").as_object())});
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
                         (lf & 0x200) != 0, json_attributes(lo),
                         u32(lo, "droppedAttributesCount")});
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
    auto resource = std::make_shared<const Resource>(
        json_attributes(rso.at("resource").as_object()), str(rso, "schemaUrl"));
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

// The escaper skips clean 8-byte words; put specials at every offset around
// word boundaries and string ends.
TEST(OtlpJsonEncoder, EscapesAtEveryPosition) {
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (const char* special : {"\"", "\\", "\n", "\x01", "\xC3\xA9", "\xFF"}) {
        std::string value(len, 'x');
        value.replace(at, 1, special);
        auto span = minimal_span(nullptr, nullptr, 1);
        span->name = value;
        Batch batch;
        batch.push_back(std::move(span));
        std::string out;
        encode_otlp_json(batch, out);
        const json::value doc = json::parse(out);
        const std::string got(doc.at("resourceSpans")
                                  .at(0)
                                  .at("scopeSpans")
                                  .at(0)
                                  .at("spans")
                                  .at(0)
                                  .at("name")
                                  .as_string());
        const std::string want = std::string_view(special) == "\xFF"
                                     ? std::string(value).replace(at, 1, "\xEF\xBF\xBD")
                                     : value;
        ASSERT_EQ(got, want) << "len " << len << " at " << at;
      }
    }
  }
}

TEST(OtlpJsonEncoder, EscapesControlCharactersAndReplacesInvalidUtf8) {
  auto span = minimal_span(nullptr, nullptr, 1);
  span->name = std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\0z", 15);
  span->attributes = {{"bad", attr("a\xFF"
                                   "b\xC0\xAF"
                                   "c\xE2\x82"
                                   "d\xED\xA0\x80"
                                   "e\xF4\x90\x80\x80")},
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
