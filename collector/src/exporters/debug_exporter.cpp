#include "exporters/debug_exporter.h"

#include <cinttypes>

#include "spanline/telemetry/api/json_text.h"

namespace spanline::collector {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

std::string hex(const std::string& bytes) {
  std::string out;
  telemetry::append_hex(out, bytes);
  return out;
}

std::string value_text(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return "Str(" + v.string_value() + ")";
    case AnyValue::kBoolValue:
      return v.bool_value() ? "Bool(true)" : "Bool(false)";
    case AnyValue::kIntValue:
      return "Int(" + std::to_string(v.int_value()) + ")";
    case AnyValue::kDoubleValue:
      return "Double(" + std::to_string(v.double_value()) + ")";
    case AnyValue::kArrayValue: {
      std::string out = "Slice([";
      for (int i = 0; i < v.array_value().values_size(); ++i)
        out += (i ? ", " : "") + value_text(v.array_value().values(i));
      return out + "])";
    }
    case AnyValue::kKvlistValue: {
      std::string out = "Map({";
      for (int i = 0; i < v.kvlist_value().values_size(); ++i) {
        const KeyValue& kv = v.kvlist_value().values(i);
        out += (i ? ", " : "") + kv.key() + ": " + value_text(kv.value());
      }
      return out + "})";
    }
    case AnyValue::kBytesValue:
      return "Bytes(" + hex(v.bytes_value()) + ")";
    default:
      return "Empty()";
  }
}

void append_attributes(std::string& out, const char* indent,
                       const google::protobuf::RepeatedPtrField<KeyValue>& attributes) {
  for (const KeyValue& kv : attributes)
    out += std::string(indent) + "-> " + kv.key() + ": " + value_text(kv.value()) + "\n";
}

void append_span_detail(std::string& out, const Span& s) {
  out += "Span\n    Trace ID       : " + hex(s.trace_id()) +
         "\n    Parent ID      : " + hex(s.parent_span_id()) +
         "\n    ID             : " + hex(s.span_id()) + "\n    Name           : " + s.name() +
         "\n    Kind           : " + Span::SpanKind_Name(s.kind()) +
         "\n    Start time     : " + std::to_string(s.start_time_unix_nano()) +
         "\n    End time       : " + std::to_string(s.end_time_unix_nano()) +
         "\n    Status code    : " + std::to_string(s.status().code()) +
         "\n    Status message : " + s.status().message() + "\nAttributes:\n";
  append_attributes(out, "     ", s.attributes());
  for (const auto& e : s.events()) {
    out += "Event: " + e.name() + " @ " + std::to_string(e.time_unix_nano()) + "\n";
    append_attributes(out, "     ", e.attributes());
  }
  for (const auto& l : s.links()) {
    out += "Link: " + hex(l.trace_id()) + " " + hex(l.span_id()) + "\n";
    append_attributes(out, "     ", l.attributes());
  }
}

}  // namespace

std::string format_debug_basic(std::size_t resource_spans, std::size_t span_count) {
  return "Traces {\"resource spans\": " + std::to_string(resource_spans) +
         ", \"spans\": " + std::to_string(span_count) + "}\n";
}

std::string format_debug(const ExportTraceServiceRequest& request, std::size_t span_count,
                         DebugVerbosity verbosity) {
  std::string out =
      format_debug_basic(static_cast<std::size_t>(request.resource_spans_size()), span_count);
  if (verbosity == DebugVerbosity::kBasic) return out;
  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const auto& rs = request.resource_spans(r);
    if (verbosity == DebugVerbosity::kDetailed) {
      out += "ResourceSpans #" + std::to_string(r) + "\nResource attributes:\n";
      append_attributes(out, "     ", rs.resource().attributes());
    }
    for (const auto& ss : rs.scope_spans()) {
      if (verbosity == DebugVerbosity::kDetailed)
        out += "ScopeSpans\nInstrumentationScope " + ss.scope().name() + " " +
               ss.scope().version() + "\n";
      for (const Span& s : ss.spans()) {
        if (verbosity == DebugVerbosity::kDetailed)
          append_span_detail(out, s);
        else
          out += s.name() + " " + hex(s.trace_id()) + " " + hex(s.span_id()) + "\n";
      }
    }
  }
  return out;
}

DebugExporter::DebugExporter(const std::string& id, DebugExporterConfig config, Metrics& metrics,
                             std::FILE* out)
    : config_(config),
      out_(out),
      sent_(metrics.counter("otelcol_exporter_sent_spans",
                            "Spans the exporter sent and the destination accepted",
                            {{"exporter", id}})) {}

ConsumeResult DebugExporter::consume(Traces traces) noexcept {
  try {
    // basic needs only counts: requests that are still bytes stay undecoded.
    const std::string text =
        config_.verbosity == DebugVerbosity::kBasic
            ? format_debug_basic(traces.resource_spans_count(), traces.span_count())
            : format_debug(traces.merged(), traces.span_count(), config_.verbosity);
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
    sent_.add(traces.span_count());
  } catch (...) {
  }
  return ConsumeResult::ok();
}

}  // namespace spanline::collector
