// ExportTraceServiceRequest and ExportTraceServiceResponse → OTLP/JSON
// (contract in otlp_json.h).
//
// The output is what protobuf's JSON printer writes under the proto3 JSON
// mapping (https://protobuf.dev/programming-guides/proto3/#json):
// lowerCamelCase keys; scalar fields at their default omitted; message
// fields written when present, even empty; the AnyValue member written
// whatever value it holds (its presence is the type); 64-bit integers as
// decimal strings; doubles as shortest round-trip numbers or "NaN",
// "Infinity", "-Infinity"; bytes as base64. With the two deviations of the
// OTLP specification, "JSON Protobuf Encoding": ids as (lowercase) hex and
// enums as integers. Strings holding invalid UTF-8 are written with U+FFFD
// in place of the bad bytes, so the output is always valid JSON.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "otlp/otlp_json.h"
#include "spanline/telemetry/api/json_text.h"

namespace spanline::collector {
namespace {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_resource = opentelemetry::proto::resource::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
template <typename T>
using Repeated = google::protobuf::RepeatedPtrField<T>;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void request(const ExportTraceServiceRequest& r) {
    Members m = open();
    list(m, "resourceSpans", r.resource_spans(), &Writer::resource_spans);
    close();
  }

  void response(const ExportTraceServiceResponse& r) {
    Members m = open();
    if (r.has_partial_success()) {
      key(m, "partialSuccess");
      Members p = open();
      int_as_string(p, "rejectedSpans", r.partial_success().rejected_spans());
      text(p, "errorMessage", r.partial_success().error_message());
      close();
    }
    close();
  }

 private:
  // The object being written: whether a member needs a comma before it.
  struct Members {
    bool empty = true;
  };
  Members open() {
    out_ += '{';
    return {};
  }
  void close() { out_ += '}'; }
  void key(Members& m, std::string_view name) {
    if (!m.empty) out_ += ',';
    m.empty = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }

  // ---------------------------------------------------------------------
  // Fields; each is omitted at its default.

  void text(Members& m, std::string_view name, const std::string& v) {
    if (v.empty()) return;
    key(m, name);
    telemetry::append_json_string(out_, v);
  }
  template <typename Int>
  void digits(Int v) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  // uint32, fixed32 and enums: JSON numbers.
  void int_as_number(Members& m, std::string_view name, std::int64_t v) {
    if (v == 0) return;
    key(m, name);
    digits(v);
  }
  // int64 and fixed64: strings, since many JSON readers hold numbers as
  // doubles and would lose precision past 2^53.
  template <typename Int>
  void int_as_string(Members& m, std::string_view name, Int v) {
    if (v == 0) return;
    key(m, name);
    quoted(v);
  }
  template <typename Int>
  void quoted(Int v) {
    out_ += '"';
    digits(v);
    out_ += '"';
  }
  void number(double v) {
    if (std::isnan(v)) {
      out_ += "\"NaN\"";
    } else if (std::isinf(v)) {
      out_ += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else if (v == 0 && std::signbit(v)) {
      out_ += "-0.0";  // "-0" would read back as the integer 0
    } else {
      char buf[32];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
      out_.append(buf, end);
    }
  }
  void id(Members& m, std::string_view name, const std::string& bytes) {
    if (bytes.empty()) return;
    key(m, name);
    out_ += '"';
    telemetry::append_hex(out_, bytes);
    out_ += '"';
  }
  // Standard alphabet with padding (RFC 4648 §4).
  void base64(const std::string& bytes) {
    static constexpr char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out_ += '"';
    std::size_t i = 0;
    auto byte = [&](std::size_t k) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
      const std::uint32_t bits = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
      for (int shift = 18; shift >= 0; shift -= 6) out_ += kDigits[(bits >> shift) & 0x3f];
    }
    if (bytes.size() - i == 1) {
      const std::uint32_t bits = byte(i) << 16;
      out_ += kDigits[bits >> 18];
      out_ += kDigits[(bits >> 12) & 0x3f];
      out_ += "==";
    } else if (bytes.size() - i == 2) {
      const std::uint32_t bits = byte(i) << 16 | byte(i + 1) << 8;
      out_ += kDigits[bits >> 18];
      out_ += kDigits[(bits >> 12) & 0x3f];
      out_ += kDigits[(bits >> 6) & 0x3f];
      out_ += '=';
    }
    out_ += '"';
  }
  // A repeated field, each element written by a member function.
  template <typename T, typename Element>
  void list(Members& m, std::string_view name, const Repeated<T>& items, Element element) {
    if (items.empty()) return;
    key(m, name);
    out_ += '[';
    for (int i = 0; i < items.size(); ++i) {
      if (i > 0) out_ += ',';
      (this->*element)(items[i]);
    }
    out_ += ']';
  }

  // ---------------------------------------------------------------------
  // Common messages

  void string_element(const std::string& s) { telemetry::append_json_string(out_, s); }

  void key_value(const pb_common::KeyValue& kv) {
    Members m = open();
    text(m, "key", kv.key());
    if (kv.has_value()) {
      key(m, "value");
      any_value(kv.value());
    }
    close();
  }

  void any_value(const pb_common::AnyValue& v) {
    using V = pb_common::AnyValue;
    Members m = open();
    switch (v.value_case()) {
      case V::kStringValue:
        key(m, "stringValue");
        telemetry::append_json_string(out_, v.string_value());
        break;
      case V::kBoolValue:
        key(m, "boolValue");
        out_ += v.bool_value() ? "true" : "false";
        break;
      case V::kIntValue:
        key(m, "intValue");
        quoted(v.int_value());
        break;
      case V::kDoubleValue:
        key(m, "doubleValue");
        number(v.double_value());
        break;
      case V::kArrayValue: {
        key(m, "arrayValue");
        Members a = open();
        list(a, "values", v.array_value().values(), &Writer::any_value);
        close();
        break;
      }
      case V::kKvlistValue: {
        key(m, "kvlistValue");
        Members l = open();
        list(l, "values", v.kvlist_value().values(), &Writer::key_value);
        close();
        break;
      }
      case V::kBytesValue:
        key(m, "bytesValue");
        base64(v.bytes_value());
        break;
      case V::VALUE_NOT_SET:
        break;
    }
    close();
  }

  void scope(const pb_common::InstrumentationScope& s) {
    Members m = open();
    text(m, "name", s.name());
    text(m, "version", s.version());
    list(m, "attributes", s.attributes(), &Writer::key_value);
    int_as_number(m, "droppedAttributesCount", s.dropped_attributes_count());
    close();
  }

  void entity_ref(const pb_common::EntityRef& e) {
    Members m = open();
    text(m, "schemaUrl", e.schema_url());
    text(m, "type", e.type());
    list(m, "idKeys", e.id_keys(), &Writer::string_element);
    list(m, "descriptionKeys", e.description_keys(), &Writer::string_element);
    close();
  }

  void resource(const pb_resource::Resource& r) {
    Members m = open();
    list(m, "attributes", r.attributes(), &Writer::key_value);
    int_as_number(m, "droppedAttributesCount", r.dropped_attributes_count());
    list(m, "entityRefs", r.entity_refs(), &Writer::entity_ref);
    close();
  }

  // ---------------------------------------------------------------------
  // Trace messages

  void resource_spans(const pb_trace::ResourceSpans& rs) {
    Members m = open();
    if (rs.has_resource()) {
      key(m, "resource");
      resource(rs.resource());
    }
    list(m, "scopeSpans", rs.scope_spans(), &Writer::scope_spans);
    text(m, "schemaUrl", rs.schema_url());
    close();
  }

  void scope_spans(const pb_trace::ScopeSpans& ss) {
    Members m = open();
    if (ss.has_scope()) {
      key(m, "scope");
      scope(ss.scope());
    }
    list(m, "spans", ss.spans(), &Writer::span);
    text(m, "schemaUrl", ss.schema_url());
    close();
  }

  void span(const pb_trace::Span& s) {
    Members m = open();
    id(m, "traceId", s.trace_id());
    id(m, "spanId", s.span_id());
    text(m, "traceState", s.trace_state());
    id(m, "parentSpanId", s.parent_span_id());
    int_as_number(m, "flags", s.flags());
    text(m, "name", s.name());
    int_as_number(m, "kind", s.kind());
    int_as_string(m, "startTimeUnixNano", s.start_time_unix_nano());
    int_as_string(m, "endTimeUnixNano", s.end_time_unix_nano());
    list(m, "attributes", s.attributes(), &Writer::key_value);
    int_as_number(m, "droppedAttributesCount", s.dropped_attributes_count());
    list(m, "events", s.events(), &Writer::event);
    int_as_number(m, "droppedEventsCount", s.dropped_events_count());
    list(m, "links", s.links(), &Writer::link);
    int_as_number(m, "droppedLinksCount", s.dropped_links_count());
    if (s.has_status()) {
      key(m, "status");
      Members st = open();
      text(st, "message", s.status().message());
      int_as_number(st, "code", s.status().code());
      close();
    }
    close();
  }

  void event(const pb_trace::Span::Event& e) {
    Members m = open();
    int_as_string(m, "timeUnixNano", e.time_unix_nano());
    text(m, "name", e.name());
    list(m, "attributes", e.attributes(), &Writer::key_value);
    int_as_number(m, "droppedAttributesCount", e.dropped_attributes_count());
    close();
  }

  void link(const pb_trace::Span::Link& l) {
    Members m = open();
    id(m, "traceId", l.trace_id());
    id(m, "spanId", l.span_id());
    text(m, "traceState", l.trace_state());
    list(m, "attributes", l.attributes(), &Writer::key_value);
    int_as_number(m, "droppedAttributesCount", l.dropped_attributes_count());
    int_as_number(m, "flags", l.flags());
    close();
  }

  std::string& out_;
};

}  // namespace

void encode_otlp_json(const ExportTraceServiceRequest& request, std::string& out) {
  Writer(out).request(request);
}

void encode_otlp_json(const ExportTraceServiceResponse& response, std::string& out) {
  Writer(out).response(response);
}

}  // namespace spanline::collector
