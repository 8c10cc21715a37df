#include "jaeger_json.h"

#include <boost/json.hpp>

#include <cctype>
#include <map>

#include "spanline/telemetry/api/ids.h"
#include "spanline/telemetry/api/json_text.h"

namespace spanline::traceview {
namespace {

namespace json = boost::json;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;

json::object tag(std::string_view key, std::string_view type, json::value value) {
  json::object t;
  t["key"] = key;
  t["type"] = type;
  t["value"] = std::move(value);
  return t;
}

json::object string_tag(std::string_view key, std::string_view text) {
  return tag(key, "string", json::string(text));
}

json::object typed_tag(const pb_common::KeyValue& kv) {
  const auto& v = kv.value();
  switch (v.value_case()) {
    case pb_common::AnyValue::kBoolValue:
      return tag(kv.key(), "bool", v.bool_value());
    case pb_common::AnyValue::kIntValue:
      return tag(kv.key(), "int64", v.int_value());
    case pb_common::AnyValue::kDoubleValue:
      return tag(kv.key(), "float64", v.double_value());
    case pb_common::AnyValue::kBytesValue:
      return tag(kv.key(), "binary", json::string(attribute_text(v)));
    default:
      return string_tag(kv.key(), attribute_text(v));
  }
}

json::array tags_of(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& attributes,
                    std::string_view skip = {}) {
  json::array out;
  for (const auto& kv : attributes)
    if (skip.empty() || kv.key() != skip) out.push_back(typed_tag(kv));
  return out;
}

std::string hex_of(const std::string& bytes) {
  return to_hex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

json::object reference(std::string_view type, const std::string& trace_hex,
                       const std::string& span_hex) {
  json::object r;
  r["refType"] = type;
  r["traceID"] = trace_hex;
  r["spanID"] = span_hex;
  return r;
}

}  // namespace

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  telemetry::append_hex(out, {reinterpret_cast<const char*>(bytes), n});
  return out;
}

std::optional<TraceId> parse_trace_id(std::string_view hex) {
  if (hex.empty() || hex.size() > 32) return std::nullopt;
  std::string padded(32 - hex.size(), '0');
  for (char c : hex) padded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto id = telemetry::TraceId::from_hex(padded);
  if (!id) return std::nullopt;
  return id->bytes();
}

std::string_view kind_name(std::uint8_t kind) {
  switch (kind) {
    case pb_trace::Span::SPAN_KIND_INTERNAL:
      return "internal";
    case pb_trace::Span::SPAN_KIND_SERVER:
      return "server";
    case pb_trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case pb_trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case pb_trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    default:
      return "";
  }
}

json::object jaeger_trace(const StoredTrace& trace, const TraceStore& store, bool warnings) {
  const std::string trace_hex = to_hex(trace.id.data(), trace.id.size());
  std::map<std::uint32_t, std::string> process_ids;  // store index → "p1", "p2", ...
  json::array spans;
  spans.reserve(trace.spans.size());
  std::map<std::uint32_t, Scope> scopes;  // store index → scope, looked up once
  pb_trace::Span span;
  const auto notes =
      warnings ? store.propagation_warnings(trace) : std::vector<std::vector<std::string>>();
  for (std::size_t index = 0; index < trace.spans.size(); ++index) {
    const StoredSpan& stored = trace.spans[index];
    if (!span.ParseFromString(stored.wire)) continue;
    auto [pid, fresh] = process_ids.try_emplace(stored.process);
    if (fresh) pid->second = "p" + std::to_string(process_ids.size());

    json::object j;
    j["traceID"] = trace_hex;
    j["spanID"] = hex_of(span.span_id());
    j["operationName"] = span.name();
    json::array refs;
    if (!span.parent_span_id().empty())
      refs.push_back(reference("CHILD_OF", trace_hex, hex_of(span.parent_span_id())));
    for (const auto& link : span.links())
      refs.push_back(reference("FOLLOWS_FROM", hex_of(link.trace_id()), hex_of(link.span_id())));
    j["references"] = std::move(refs);
    j["flags"] = span.flags() & 0xFF;
    j["startTime"] = span.start_time_unix_nano() / 1000;
    j["duration"] = stored.duration_ns() / 1000;

    json::array tags = tags_of(span.attributes());
    if (auto kind = kind_name(stored.kind); !kind.empty())
      tags.push_back(string_tag("span.kind", kind));
    auto [scope_it, new_scope] = scopes.try_emplace(stored.scope);
    if (new_scope) scope_it->second = store.scope(stored.scope);
    const Scope& scope = scope_it->second;
    if (!scope.name.empty()) tags.push_back(string_tag("otel.scope.name", scope.name));
    if (!scope.version.empty()) tags.push_back(string_tag("otel.scope.version", scope.version));
    if (span.status().code() == pb_trace::Status::STATUS_CODE_ERROR) {
      tags.push_back(tag("error", "bool", true));
      tags.push_back(string_tag("otel.status_code", "ERROR"));
    } else if (span.status().code() == pb_trace::Status::STATUS_CODE_OK) {
      tags.push_back(string_tag("otel.status_code", "OK"));
    }
    if (!span.status().message().empty())
      tags.push_back(string_tag("otel.status_description", span.status().message()));
    if (!span.trace_state().empty())
      tags.push_back(string_tag("w3c.tracestate", span.trace_state()));
    j["tags"] = std::move(tags);

    json::array logs;
    for (const auto& event : span.events()) {
      json::object log;
      log["timestamp"] = event.time_unix_nano() / 1000;
      json::array fields;
      fields.push_back(string_tag("event", event.name()));
      for (const auto& kv : event.attributes()) fields.push_back(typed_tag(kv));
      log["fields"] = std::move(fields);
      logs.push_back(std::move(log));
    }
    j["logs"] = std::move(logs);
    j["processID"] = pid->second;
    if (!notes.empty() && !notes[index].empty()) {
      json::array w;
      for (const std::string& note : notes[index]) w.push_back(json::string(note));
      j["warnings"] = std::move(w);
    } else {
      j["warnings"] = nullptr;
    }
    spans.push_back(std::move(j));
  }
  json::object processes;
  for (const auto& [index, pid] : process_ids) {
    const Process p = store.process(index);
    json::object proc;
    proc["serviceName"] = p.service;
    proc["tags"] = tags_of(p.resource.attributes(), "service.name");
    processes[pid] = std::move(proc);
  }
  json::object out;
  out["traceID"] = trace_hex;
  out["spans"] = std::move(spans);
  out["processes"] = std::move(processes);
  out["warnings"] = nullptr;
  return out;
}

}  // namespace spanline::traceview
