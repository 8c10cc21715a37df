// Test helpers: OTLP messages (as a fake collector receives them) back into
// SpanData, and a field-by-field comparison that names the first difference.
// Header-only; needs spanline_proto.
#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry::otlp_test {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_collector = opentelemetry::proto::collector::trace::v1;

inline constexpr std::uint32_t kFlagHasIsRemote = 0x100;
inline constexpr std::uint32_t kFlagIsRemote = 0x200;

// OTLP carries no element type for an empty array, so it comes back as an
// empty vector<string>. kvlist and bytes values (which spanline never
// sends) become strings: the raw bytes, or "{k=v,...}".
inline AttributeValue attribute_value_from_proto(const pb_common::AnyValue& v);

inline std::vector<Attribute> attributes_from_proto(
    const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& kvs) {
  std::vector<Attribute> out;
  out.reserve(kvs.size());
  for (const auto& kv : kvs) out.push_back({kv.key(), attribute_value_from_proto(kv.value())});
  return out;
}

inline AttributeValue attribute_value_from_proto(const pb_common::AnyValue& v) {
  using V = pb_common::AnyValue;
  switch (v.value_case()) {
    case V::kStringValue:
      return v.string_value();
    case V::kBoolValue:
      return v.bool_value();
    case V::kIntValue:
      return static_cast<std::int64_t>(v.int_value());
    case V::kDoubleValue:
      return v.double_value();
    case V::kBytesValue:
      return v.bytes_value();
    case V::kKvlistValue: {
      std::string text = "{";
      for (const auto& kv : v.kvlist_value().values()) {
        if (text.size() > 1) text += ',';
        text += kv.key() + "=" + to_display_string(attribute_value_from_proto(kv.value()));
      }
      return text + "}";
    }
    case V::kArrayValue: {
      const auto& values = v.array_value().values();
      if (values.empty()) return std::vector<std::string>{};
      const auto kind = values[0].value_case();
      bool homogeneous = true;
      for (const auto& e : values) homogeneous = homogeneous && e.value_case() == kind;
      if (homogeneous && kind == V::kBoolValue) {
        std::vector<bool> out;
        for (const auto& e : values) out.push_back(e.bool_value());
        return out;
      }
      if (homogeneous && kind == V::kIntValue) {
        std::vector<std::int64_t> out;
        for (const auto& e : values) out.push_back(e.int_value());
        return out;
      }
      if (homogeneous && kind == V::kDoubleValue) {
        std::vector<double> out;
        for (const auto& e : values) out.push_back(e.double_value());
        return out;
      }
      std::vector<std::string> out;
      for (const auto& e : values)
        out.push_back(e.value_case() == V::kStringValue
                          ? e.string_value()
                          : to_display_string(attribute_value_from_proto(e)));
      return out;
    }
    case V::VALUE_NOT_SET:
      break;
  }
  return std::string();
}

template <typename Id>
Id id_from_proto(const std::string& bytes) {
  return Id::from_bytes(bytes).value_or(Id());
}

inline SpanData span_from_proto(const pb_trace::Span& s) {
  SpanData d;
  d.trace_id = id_from_proto<TraceId>(s.trace_id());
  d.span_id = id_from_proto<SpanId>(s.span_id());
  d.parent_span_id = id_from_proto<SpanId>(s.parent_span_id());
  d.trace_state = s.trace_state();
  d.trace_flags = static_cast<std::uint8_t>(s.flags() & 0xff);
  d.has_remote_flag = (s.flags() & kFlagHasIsRemote) != 0;
  d.parent_is_remote = (s.flags() & kFlagIsRemote) != 0;
  d.name = s.name();
  d.kind =
      s.kind() >= 0 && s.kind() <= 5 ? static_cast<SpanKind>(s.kind()) : SpanKind::kUnspecified;
  d.start_unix_nano = s.start_time_unix_nano();
  d.end_unix_nano = s.end_time_unix_nano();
  d.attributes = attributes_from_proto(s.attributes());
  d.dropped_attributes_count = s.dropped_attributes_count();
  for (const auto& e : s.events())
    d.events.push_back({e.time_unix_nano(), e.name(), attributes_from_proto(e.attributes()),
                        e.dropped_attributes_count()});
  d.dropped_events_count = s.dropped_events_count();
  for (const auto& l : s.links())
    d.links.push_back({id_from_proto<TraceId>(l.trace_id()), id_from_proto<SpanId>(l.span_id()),
                       l.trace_state(), static_cast<std::uint8_t>(l.flags() & 0xff),
                       (l.flags() & kFlagIsRemote) != 0, attributes_from_proto(l.attributes()),
                       l.dropped_attributes_count()});
  d.dropped_links_count = s.dropped_links_count();
  const int code = s.status().code();
  d.status.code = code >= 0 && code <= 2 ? static_cast<StatusCode>(code) : StatusCode::kUnset;
  d.status.message = s.status().message();
  return d;
}

// Every span of the request in wire order. Spans of one ResourceSpans share
// one Resource object, spans of one ScopeSpans one scope object.
inline std::vector<std::unique_ptr<SpanData>> spans_from_proto(
    const pb_collector::ExportTraceServiceRequest& request) {
  std::vector<std::unique_ptr<SpanData>> out;
  for (const auto& rs : request.resource_spans()) {
    auto resource = std::make_shared<const Resource>(
        attributes_from_proto(rs.resource().attributes()), rs.schema_url());
    for (const auto& ss : rs.scope_spans()) {
      auto scope = std::make_shared<InstrumentationScope>();
      scope->name = ss.scope().name();
      scope->version = ss.scope().version();
      scope->schema_url = ss.schema_url();
      scope->attributes = attributes_from_proto(ss.scope().attributes());
      for (const auto& s : ss.spans()) {
        auto span = std::make_unique<SpanData>(span_from_proto(s));
        span->resource = resource;
        span->scope = scope;
        out.push_back(std::move(span));
      }
    }
  }
  return out;
}

// Parses protobuf bytes (an uncompressed request body); nullopt when they
// do not parse.
inline std::optional<std::vector<std::unique_ptr<SpanData>>> spans_from_proto_bytes(
    std::string_view bytes) {
  pb_collector::ExportTraceServiceRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return spans_from_proto(request);
}

// ---------------------------------------------------------------------------
// Comparison

// Equal; NaN equals NaN; and any two empty arrays are equal, whatever
// their element type (see above).
inline bool same_value(const AttributeValue& a, const AttributeValue& b) {
  auto same_double = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  if (const auto* x = std::get_if<double>(&a))
    if (const auto* y = std::get_if<double>(&b)) return same_double(*x, *y);
  if (const auto* x = std::get_if<std::vector<double>>(&a)) {
    if (const auto* y = std::get_if<std::vector<double>>(&b)) {
      if (x->size() != y->size()) return false;
      for (std::size_t i = 0; i < x->size(); ++i)
        if (!same_double((*x)[i], (*y)[i])) return false;
      return true;
    }
  }
  if (a == b) return true;
  auto empty_array = [](const AttributeValue& v) {
    return std::visit(
        [](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>)
            return false;
          else if constexpr (requires { x.empty(); })
            return x.empty();
          else
            return false;
        },
        v);
  };
  return empty_array(a) && empty_array(b);
}

inline std::string attributes_diff(const std::vector<Attribute>& want,
                                   const std::vector<Attribute>& got) {
  if (want.size() != got.size())
    return "count " + std::to_string(want.size()) + " != " + std::to_string(got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].key != got[i].key)
      return "[" + std::to_string(i) + "].key " + want[i].key + " != " + got[i].key;
    if (!same_value(want[i].value, got[i].value))
      return want[i].key + ": " + to_display_string(want[i].value) +
             " != " + to_display_string(got[i].value);
  }
  return {};
}

// Empty when `got` carries everything `want` does, else the first field that
// differs. Resource and scope compare by value (a null one equals empty).
inline std::string span_diff(const SpanData& want, const SpanData& got) {
#define SPANLINE_DIFF(field) \
  if (!(want.field == got.field)) return #field " differs";
  SPANLINE_DIFF(trace_id)
  SPANLINE_DIFF(span_id)
  SPANLINE_DIFF(parent_span_id)
  SPANLINE_DIFF(trace_state)
  SPANLINE_DIFF(trace_flags)
  SPANLINE_DIFF(parent_is_remote)
  SPANLINE_DIFF(has_remote_flag)
  SPANLINE_DIFF(name)
  SPANLINE_DIFF(kind)
  SPANLINE_DIFF(start_unix_nano)
  SPANLINE_DIFF(end_unix_nano)
  SPANLINE_DIFF(dropped_attributes_count)
  SPANLINE_DIFF(dropped_events_count)
  SPANLINE_DIFF(dropped_links_count)
  SPANLINE_DIFF(status)
#undef SPANLINE_DIFF
  if (auto d = attributes_diff(want.attributes, got.attributes); !d.empty())
    return "attributes " + d;
  if (want.events.size() != got.events.size()) return "event count differs";
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    const auto& a = want.events[i];
    const auto& b = got.events[i];
    const std::string at = "events[" + std::to_string(i) + "]";
    if (a.name != b.name || a.time_unix_nano != b.time_unix_nano ||
        a.dropped_attributes_count != b.dropped_attributes_count)
      return at + " differs";
    if (auto d = attributes_diff(a.attributes, b.attributes); !d.empty())
      return at + ".attributes " + d;
  }
  if (want.links.size() != got.links.size()) return "link count differs";
  for (std::size_t i = 0; i < want.links.size(); ++i) {
    const auto& a = want.links[i];
    const auto& b = got.links[i];
    const std::string at = "links[" + std::to_string(i) + "]";
    if (a.trace_id != b.trace_id || a.span_id != b.span_id || a.trace_state != b.trace_state ||
        a.trace_flags != b.trace_flags || a.is_remote != b.is_remote ||
        a.dropped_attributes_count != b.dropped_attributes_count)
      return at + " differs";
    if (auto d = attributes_diff(a.attributes, b.attributes); !d.empty())
      return at + ".attributes " + d;
  }
  static const Resource kNoResource;
  const Resource& wr = want.resource ? *want.resource : kNoResource;
  const Resource& gr = got.resource ? *got.resource : kNoResource;
  if (wr.schema_url() != gr.schema_url()) return "resource schema_url differs";
  if (auto d = attributes_diff(wr.attributes(), gr.attributes()); !d.empty())
    return "resource attributes " + d;
  static const InstrumentationScope kNoScope;
  const InstrumentationScope& ws = want.scope ? *want.scope : kNoScope;
  const InstrumentationScope& gs = got.scope ? *got.scope : kNoScope;
  if (ws.name != gs.name || ws.version != gs.version || ws.schema_url != gs.schema_url)
    return "scope differs";
  if (auto d = attributes_diff(ws.attributes, gs.attributes); !d.empty())
    return "scope attributes " + d;
  return {};
}

}  // namespace spanline::telemetry::otlp_test
