// OTLP/JSON → ExportTraceServiceRequest (contract in otlp_json.h).
//
// Boost.JSON parses the text into a DOM held by a monotonic arena (doubles
// read exactly, see json_dom.h); one pass over the DOM fills the generated
// message, with JsonFieldReader checking each value's type and range. The
// input is untrusted: the parser bounds JSON nesting and this pass bounds
// AnyValue nesting, so malformed input yields an error naming the field
// path, never an exception or a crash.
//
// Field names and value forms follow the proto3 JSON mapping with the
// deviations of the OTLP specification, "JSON Protobuf Encoding": ids in
// hex, enums as integers (names accepted too), unknown fields ignored.
#include <boost/json.hpp>
#include <string>

#include "otlp/json_dom.h"
#include "otlp/json_field_reader.h"
#include "otlp/otlp_json.h"

namespace spanline::collector {
namespace {

namespace json = boost::json;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_resource = opentelemetry::proto::resource::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;

// The proto lets AnyValue nest arrays and key-value lists without limit; real
// attributes nest a level or two.
constexpr int kMaxAnyValueDepth = 64;
// JSON nesting the parser accepts. An AnyValue level costs at most four
// (kvlistValue object, values array, KeyValue object, AnyValue object) and
// the deepest attribute lists (span events and links) start at 12, so input
// within kMaxAnyValueDepth always reaches the decoder, which names the path;
// the recursion below is bounded by this.
constexpr std::size_t kMaxJsonDepth = 4 * kMaxAnyValueDepth + 16;

constexpr std::size_t kTraceIdBytes = 16;
constexpr std::size_t kSpanIdBytes = 8;

// One decoding pass: a function per message, each returning false once a
// read has failed (the reader holds the error).
class Decoder : public JsonFieldReader {
  // A list() element reader from a member function (defined before its
  // uses, which need its deduced return type).
  template <typename Class, typename T>
  auto each(bool (Class::*read)(const json::value&, T&)) {
    return [this, read](const json::value& v, T& out) { return (this->*read)(v, out); };
  }

 public:
  bool request(const json::value& root, ExportTraceServiceRequest& out) {
    return object(root, [&](std::string_view key, const json::value& v) {
      if (key == "resourceSpans")
        return list(v, *out.mutable_resource_spans(), each(&Decoder::resource_spans));
      return true;
    });
  }

 private:
  // ---------------------------------------------------------------------
  // Common messages. `depth` counts AnyValue levels: attribute values are 1.

  bool key_values(const json::value& v, Repeated<pb_common::KeyValue>& out, int depth) {
    return list(v, out, [&](const json::value& e, pb_common::KeyValue& kv) {
      return object(e, [&](std::string_view key, const json::value& m) {
        if (key == "key") return string(m, *kv.mutable_key());
        if (key == "value") return any_value(m, *kv.mutable_value(), depth);
        return true;
      });
    });
  }

  bool attributes(const json::value& v, Repeated<pb_common::KeyValue>& out) {
    return key_values(v, out, 1);
  }

  bool any_value(const json::value& v, pb_common::AnyValue& out, int depth) {
    if (depth > kMaxAnyValueDepth) return fail("AnyValue nested deeper than 64 levels");
    bool has_value = false;
    return object(v, [&](std::string_view key, const json::value& m) {
      // Members of the `value` oneof: at most one may appear.
      auto first = [&] {
        return has_value ? fail("AnyValue holds more than one value") : (has_value = true);
      };
      if (key == "stringValue") return first() && string(m, *out.mutable_string_value());
      if (key == "boolValue") return first() && set(m, out, &pb_common::AnyValue::set_bool_value);
      if (key == "intValue") return first() && set(m, out, &pb_common::AnyValue::set_int_value);
      if (key == "doubleValue")
        return first() && set(m, out, &pb_common::AnyValue::set_double_value);
      if (key == "bytesValue") return first() && base64(m, *out.mutable_bytes_value());
      if (key == "arrayValue") return first() && array_value(m, *out.mutable_array_value(), depth);
      if (key == "kvlistValue")
        return first() && kvlist_value(m, *out.mutable_kvlist_value(), depth);
      return true;
    });
  }

  bool array_value(const json::value& v, pb_common::ArrayValue& out, int depth) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key != "values") return true;
      return list(m, *out.mutable_values(),
                  [&](const json::value& e, pb_common::AnyValue& element) {
                    return any_value(e, element, depth + 1);
                  });
    });
  }

  bool kvlist_value(const json::value& v, pb_common::KeyValueList& out, int depth) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key != "values") return true;
      return key_values(m, *out.mutable_values(), depth + 1);
    });
  }

  bool scope(const json::value& v, pb_common::InstrumentationScope& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "name") return string(m, *out.mutable_name());
      if (key == "version") return string(m, *out.mutable_version());
      if (key == "attributes") return attributes(m, *out.mutable_attributes());
      if (key == "droppedAttributesCount")
        return set(m, out, &pb_common::InstrumentationScope::set_dropped_attributes_count);
      return true;
    });
  }

  bool entity_ref(const json::value& v, pb_common::EntityRef& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "schemaUrl") return string(m, *out.mutable_schema_url());
      if (key == "type") return string(m, *out.mutable_type());
      if (key == "idKeys") return list(m, *out.mutable_id_keys(), each(&Decoder::string));
      if (key == "descriptionKeys")
        return list(m, *out.mutable_description_keys(), each(&Decoder::string));
      return true;
    });
  }

  bool resource(const json::value& v, pb_resource::Resource& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "attributes") return attributes(m, *out.mutable_attributes());
      if (key == "droppedAttributesCount")
        return set(m, out, &pb_resource::Resource::set_dropped_attributes_count);
      if (key == "entityRefs")
        return list(m, *out.mutable_entity_refs(), each(&Decoder::entity_ref));
      return true;
    });
  }

  // ---------------------------------------------------------------------
  // Trace messages

  bool resource_spans(const json::value& v, pb_trace::ResourceSpans& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "resource") return resource(m, *out.mutable_resource());
      if (key == "scopeSpans")
        return list(m, *out.mutable_scope_spans(), each(&Decoder::scope_spans));
      if (key == "schemaUrl") return string(m, *out.mutable_schema_url());
      return true;
    });
  }

  bool scope_spans(const json::value& v, pb_trace::ScopeSpans& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "scope") return scope(m, *out.mutable_scope());
      if (key == "spans") return list(m, *out.mutable_spans(), each(&Decoder::span));
      if (key == "schemaUrl") return string(m, *out.mutable_schema_url());
      return true;
    });
  }

  bool span(const json::value& v, pb_trace::Span& out) {
    using S = pb_trace::Span;
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "traceId") return hex_bytes(m, kTraceIdBytes, *out.mutable_trace_id());
      if (key == "spanId") return hex_bytes(m, kSpanIdBytes, *out.mutable_span_id());
      if (key == "traceState") return string(m, *out.mutable_trace_state());
      if (key == "parentSpanId") return hex_bytes(m, kSpanIdBytes, *out.mutable_parent_span_id());
      if (key == "flags") return set(m, out, &S::set_flags);
      if (key == "name") return string(m, *out.mutable_name());
      if (key == "kind") return set(m, out, &S::set_kind);
      if (key == "startTimeUnixNano") return set(m, out, &S::set_start_time_unix_nano);
      if (key == "endTimeUnixNano") return set(m, out, &S::set_end_time_unix_nano);
      if (key == "attributes") return attributes(m, *out.mutable_attributes());
      if (key == "droppedAttributesCount") return set(m, out, &S::set_dropped_attributes_count);
      if (key == "events") return list(m, *out.mutable_events(), each(&Decoder::event));
      if (key == "droppedEventsCount") return set(m, out, &S::set_dropped_events_count);
      if (key == "links") return list(m, *out.mutable_links(), each(&Decoder::link));
      if (key == "droppedLinksCount") return set(m, out, &S::set_dropped_links_count);
      if (key == "status") return status(m, *out.mutable_status());
      return true;
    });
  }

  bool event(const json::value& v, pb_trace::Span::Event& out) {
    using E = pb_trace::Span::Event;
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "timeUnixNano") return set(m, out, &E::set_time_unix_nano);
      if (key == "name") return string(m, *out.mutable_name());
      if (key == "attributes") return attributes(m, *out.mutable_attributes());
      if (key == "droppedAttributesCount") return set(m, out, &E::set_dropped_attributes_count);
      return true;
    });
  }

  bool link(const json::value& v, pb_trace::Span::Link& out) {
    using L = pb_trace::Span::Link;
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "traceId") return hex_bytes(m, kTraceIdBytes, *out.mutable_trace_id());
      if (key == "spanId") return hex_bytes(m, kSpanIdBytes, *out.mutable_span_id());
      if (key == "traceState") return string(m, *out.mutable_trace_state());
      if (key == "attributes") return attributes(m, *out.mutable_attributes());
      if (key == "droppedAttributesCount") return set(m, out, &L::set_dropped_attributes_count);
      if (key == "flags") return set(m, out, &L::set_flags);
      return true;
    });
  }

  bool status(const json::value& v, pb_trace::Status& out) {
    return object(v, [&](std::string_view key, const json::value& m) {
      if (key == "message") return string(m, *out.mutable_message());
      if (key == "code") return set(m, out, &pb_trace::Status::set_code);
      return true;
    });
  }
};

}  // namespace

bool decode_otlp_json(std::string_view text, ExportTraceServiceRequest& out, std::string* error) {
  out.Clear();
  // The DOM lives in an arena: no frees per value, and destroying it walks
  // nothing (Boost.JSON skips destructors under a monotonic resource).
  unsigned char first_block[4096];
  json::monotonic_resource arena(first_block, sizeof first_block);
  json::value root(&arena);
  std::string parse_error;
  if (!parse_json_dom(text, kMaxJsonDepth, root, parse_error)) {
    if (error) *error = std::move(parse_error);
    return false;
  }
  Decoder decoder;
  if (decoder.request(root, out)) return true;
  if (error) *error = std::move(decoder.error());
  return false;
}

}  // namespace spanline::collector
