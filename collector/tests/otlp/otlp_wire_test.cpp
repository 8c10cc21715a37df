// The wire scan against libprotobuf: on every input below both must accept
// or both refuse, and the scan must count the spans ParseFromString finds.
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <string>

#include "otlp/otlp_json.h"
#include "otlp/otlp_wire.h"

namespace spanline::collector {
namespace {

namespace pb_common = opentelemetry::proto::common::v1;

bool libprotobuf_parses(const std::string& wire) {
  google::protobuf::LogSilencer quiet;  // it logs each string with bad UTF-8
  ExportTraceServiceRequest r;
  return r.ParseFromString(wire);
}

// Two resources, three scopes, five spans with events, links and nested
// attribute values.
ExportTraceServiceRequest sample() {
  ExportTraceServiceRequest r;
  for (int res = 0; res < 2; ++res) {
    auto* rs = r.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value("svc-" + std::to_string(res));
    rs->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
    for (int sc = 0; sc < (res == 0 ? 1 : 2); ++sc) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("scope");
      for (int i = 0; i < (sc == 0 ? 2 : 1); ++i) {
        auto* span = ss->add_spans();
        span->set_trace_id(std::string(16, '\x01'));
        span->set_span_id(std::string(8, static_cast<char>(i + 2)));
        span->set_parent_span_id(std::string(8, '\x09'));
        span->set_name("GET /tasks/{id}");
        span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
        span->set_start_time_unix_nano(1);
        span->set_end_time_unix_nano(2);
        span->set_flags(0x301);
        auto* a = span->add_attributes();
        a->set_key("list");
        auto* array = a->mutable_value()->mutable_array_value();
        array->add_values()->set_int_value(-5);
        array->add_values()->set_double_value(0.5);
        array->add_values()->set_bytes_value(std::string("\xff\xfe", 2));
        span->add_events()->set_name("exception");
        auto* link = span->add_links();
        link->set_trace_id(std::string(16, '\x03'));
        link->set_span_id(std::string(8, '\x04'));
        link->set_trace_state("k=v");
        span->mutable_status()->set_code(
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("boom");
      }
    }
  }
  return r;
}

TEST(OtlpWire, AcceptsAndCountsWhatLibprotobufParses) {
  const std::string wire = sample().SerializeAsString();
  const WireScan scan = scan_export_request(wire);
  ASSERT_TRUE(scan.ok) << scan.error;
  EXPECT_EQ(scan.spans, 5u);
  const WireScan empty = scan_export_request("");
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.spans, 0u);
}

TEST(OtlpWire, ConcatenatedRequestsAreOneRequest) {
  const std::string one = sample().SerializeAsString();
  const WireScan scan = scan_export_request(one + one);
  ASSERT_TRUE(scan.ok);
  EXPECT_EQ(scan.spans, 10u);
  EXPECT_EQ(count_resource_spans(one), 2u);
  EXPECT_EQ(count_resource_spans(one + one + std::string("\x10\x07", 2)), 4u);
}

TEST(OtlpWire, EveryTruncationAgreesWithLibprotobuf) {
  const std::string wire = sample().SerializeAsString();
  for (std::size_t n = 0; n < wire.size(); ++n) {
    const std::string prefix = wire.substr(0, n);
    EXPECT_EQ(wire_parses(prefix), libprotobuf_parses(prefix)) << "prefix of " << n << " bytes";
  }
}

TEST(OtlpWire, EveryFlippedByteAgreesWithLibprotobuf) {
  const std::string wire = sample().SerializeAsString();
  for (std::size_t i = 0; i < wire.size(); ++i) {
    for (unsigned char x : {0x80, 0xff, 0x07}) {
      std::string bad = wire;
      bad[i] = static_cast<char>(bad[i] ^ x);
      ASSERT_EQ(wire_parses(bad), libprotobuf_parses(bad)) << "byte " << i << " ^ " << int(x);
    }
  }
}

TEST(OtlpWire, StringFieldsMustBeUtf8AndBytesFieldsNeedNot) {
  google::protobuf::LogSilencer quiet;  // serializing bad UTF-8 logs too
  for (const std::string bad :
       {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    ExportTraceServiceRequest r = sample();
    r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(bad);
    const std::string wire = r.SerializeAsString();
    EXPECT_FALSE(libprotobuf_parses(wire));
    const WireScan scan = scan_export_request(wire);
    EXPECT_FALSE(scan.ok);
    EXPECT_NE(scan.error.find("UTF-8"), std::string::npos) << scan.error;
  }
  for (const std::string good : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf"}) {
    ExportTraceServiceRequest r = sample();
    r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(good);
    EXPECT_TRUE(scan_export_request(r.SerializeAsString()).ok);
  }
}

TEST(OtlpWire, NestingLimitIsLibprotobufs) {
  // An attribute whose value is an array holding an array ... `depth` deep.
  for (int depth = 40; depth <= 60; ++depth) {
    ExportTraceServiceRequest r = sample();
    auto* span = r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
    pb_common::AnyValue* v = span->add_attributes()->mutable_value();
    for (int i = 0; i < depth; ++i) v = v->mutable_array_value()->add_values();
    v->set_string_value("deep");
    const std::string wire = r.SerializeAsString();
    EXPECT_EQ(wire_parses(wire), libprotobuf_parses(wire)) << "depth " << depth;
  }
}

TEST(OtlpWire, UnknownFieldsAndGroupsAreSkippedLikeLibprotobuf) {
  const std::string base = sample().SerializeAsString();
  const std::string cases[] = {
      std::string("\x10\x01", 2),                  // field 2, varint: unknown at the top
      std::string("\x13\x2b\x2c\x14", 4),          // group 2 holding group 5
      std::string("\x0b\x0c", 2),                  // field 1 (a message) sent as a group
      std::string("\x13\x24", 2),                  // group 2 closed by group 4's end
      std::string("\x13", 1),                      // unterminated group
      std::string("\x0c", 1),                      // end group outside a group
      std::string("\x0e", 1),                      // wire type 6
      std::string("\x02\x00", 2),                  // field number 0
      std::string("\xe8\xff\xff\xff\x12\x00", 6),  // a five-byte tag keeps 32 bits
      std::string("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11),      // ten-byte varint
      std::string("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 12),  // eleven
      std::string("\x1a\x80\x80\x80\x80\x10", 6),                           // a length of 2^32
  };
  for (const std::string& tail : cases) {
    const std::string wire = base + tail;
    EXPECT_EQ(wire_parses(wire), libprotobuf_parses(wire))
        << "tail of " << tail.size() << " bytes, libprotobuf says " << libprotobuf_parses(wire);
  }
  EXPECT_TRUE(scan_export_request(base + cases[0]).ok);
  EXPECT_FALSE(scan_export_request(base + cases[3]).ok);
}

TEST(OtlpWire, IdsOfTheWrongLengthAreNamedByPath) {
  ExportTraceServiceRequest r = sample();
  r.mutable_resource_spans(1)->mutable_scope_spans(1)->mutable_spans(0)->set_span_id("abc");
  WireScan scan = scan_export_request(r.SerializeAsString());
  EXPECT_FALSE(scan.ok);
  EXPECT_EQ(scan.error, "resourceSpans[1].scopeSpans[1].spans[0].spanId: 3 bytes, want 8");

  r = sample();
  r.mutable_resource_spans(0)
      ->mutable_scope_spans(0)
      ->mutable_spans(1)
      ->mutable_links(0)
      ->set_trace_id(std::string(15, 'x'));
  scan = scan_export_request(r.SerializeAsString());
  EXPECT_EQ(scan.error,
            "resourceSpans[0].scopeSpans[0].spans[1].links[0].traceId: 15 bytes, want 16");

  r = sample();
  r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_parent_span_id(
      std::string(9, 'x'));
  scan = scan_export_request(r.SerializeAsString());
  EXPECT_EQ(scan.error, "resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: 9 bytes, want 8");

  // Empty ids are the receivers' business further on, not a wire error.
  r = sample();
  r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->clear_parent_span_id();
  EXPECT_TRUE(scan_export_request(r.SerializeAsString()).ok);
}

TEST(OtlpWire, ABadRequestSaysWhatIsWrong) {
  const WireScan scan = scan_export_request(std::string("\x0a\x05\x01", 3));
  EXPECT_FALSE(scan.ok);
  EXPECT_EQ(scan.error.rfind("not a valid protobuf ExportTraceServiceRequest: ", 0), 0u)
      << scan.error;
}

TEST(OtlpWire, RewritingResourcesMatchesEditingTheDecodedRequest) {
  ExportTraceServiceRequest r = sample();
  r.mutable_resource_spans(1)->clear_resource();  // absent: created
  const auto length_delimited = [](char tag, const std::string& bytes) {
    std::string out(1, tag);
    for (std::size_t v = bytes.size();; v >>= 7) {
      out.push_back(static_cast<char>(v < 0x80 ? v : (v & 0x7F) | 0x80));
      if (v < 0x80) break;
    }
    return out + bytes;
  };
  // The first ResourceSpans gets a second resource field (a parser merges it
  // into the first) and an unknown field; the request an unknown field too.
  opentelemetry::proto::resource::v1::Resource more;
  auto* kv = more.add_attributes();
  kv->set_key("host.name");
  kv->mutable_value()->set_string_value("h1");
  const std::string first = r.resource_spans(0).SerializeAsString() +
                            length_delimited('\x0a', more.SerializeAsString()) +
                            std::string("\x20\x07", 2);
  const std::string wire = length_delimited('\x0a', first) +
                           length_delimited('\x0a', r.resource_spans(1).SerializeAsString()) +
                           std::string("\x10\x07", 2);

  const auto edit = [](opentelemetry::proto::resource::v1::Resource& resource) {
    auto* a = resource.add_attributes();
    a->set_key("collector.type");
    a->mutable_value()->set_string_value("sidecar");
  };
  std::string out;
  ASSERT_TRUE(rewrite_resources(wire, edit, out));
  ASSERT_TRUE(scan_export_request(out).ok);
  EXPECT_EQ(scan_export_request(out).spans, 5u);

  ExportTraceServiceRequest want;
  ASSERT_TRUE(want.ParseFromString(wire));
  for (auto& rs : *want.mutable_resource_spans()) edit(*rs.mutable_resource());
  ExportTraceServiceRequest got;
  ASSERT_TRUE(got.ParseFromString(out));
  EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString());
  ASSERT_EQ(got.resource_spans_size(), 2);
  EXPECT_EQ(got.resource_spans(0).resource().attributes_size(), 3);  // service, host, added
  EXPECT_EQ(got.resource_spans(1).resource().attributes(0).key(), "collector.type");

  std::string ignored;
  EXPECT_FALSE(rewrite_resources(std::string("\x0a\x05\x01", 3), edit, ignored));
}

TEST(OtlpWire, RepeatedResourceFieldsMergeAsAParserMergesThem) {
  // Two resource fields: dropped_attributes_count 5, then an explicit 0. A
  // parser keeps the last value written, 0.
  const std::string first("\x10\x05", 2), second("\x10\x00", 2);
  std::string rs = "\x0a" + std::string(1, static_cast<char>(first.size())) + first + "\x0a" +
                   std::string(1, static_cast<char>(second.size())) + second;
  const std::string wire = "\x0a" + std::string(1, static_cast<char>(rs.size())) + rs;
  std::string out;
  ASSERT_TRUE(rewrite_resources(
      wire, [](opentelemetry::proto::resource::v1::Resource&) {}, out));
  ExportTraceServiceRequest want, got;
  ASSERT_TRUE(want.ParseFromString(wire));
  ASSERT_TRUE(got.ParseFromString(out));
  EXPECT_EQ(got.resource_spans(0).resource().dropped_attributes_count(),
            want.resource_spans(0).resource().dropped_attributes_count());
}

}  // namespace
}  // namespace spanline::collector
