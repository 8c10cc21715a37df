#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

const char* to_string(SpanKind kind) noexcept {
  switch (kind) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

const char* to_string(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::kUnset:
      return "unset";
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kError:
      return "error";
  }
  return "unset";
}

namespace {
template <typename T>
bool same_pointee(const std::shared_ptr<const T>& a, const std::shared_ptr<const T>& b) {
  if (a == b) return true;
  const T empty{};
  return (a ? *a : empty) == (b ? *b : empty);
}
}  // namespace

bool operator==(const SpanData& a, const SpanData& b) {
  return a.trace_id == b.trace_id && a.span_id == b.span_id &&
         a.parent_span_id == b.parent_span_id && a.trace_state == b.trace_state &&
         a.trace_flags == b.trace_flags && a.parent_is_remote == b.parent_is_remote &&
         a.has_remote_flag == b.has_remote_flag && a.name == b.name && a.kind == b.kind &&
         a.start_unix_nano == b.start_unix_nano && a.end_unix_nano == b.end_unix_nano &&
         a.attributes == b.attributes && a.dropped_attributes_count == b.dropped_attributes_count &&
         a.events == b.events && a.dropped_events_count == b.dropped_events_count &&
         a.links == b.links && a.dropped_links_count == b.dropped_links_count &&
         a.status == b.status && same_pointee(a.resource, b.resource) &&
         same_pointee(a.scope, b.scope);
}

}  // namespace spanline::telemetry
