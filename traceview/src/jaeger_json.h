// Traces in the Jaeger query API's JSON model (what /api/traces returns and
// the Jaeger UI and Grafana read): ids as hex, times in microseconds, typed
// tags, events as logs, parents and links as references, resources as
// processes. Span kind, status, scope and trace state become the tags Jaeger
// uses for them (span.kind, error, otel.status_code, otel.scope.name, ...).
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

#include "store.h"

namespace spanline::traceview {

// With `warnings`, each span's "warnings" says where context propagation
// seems to have broken (TraceStore::propagation_warnings; the Jaeger UI
// shows them in the span's detail); else null.
boost::json::object jaeger_trace(const StoredTrace& trace, const TraceStore& store,
                                 bool warnings = false);

std::string to_hex(const std::uint8_t* bytes, std::size_t n);
// 1 to 32 hex digits (left-padded with zeros, as Jaeger accepts), else nullopt.
std::optional<TraceId> parse_trace_id(std::string_view hex);

// Jaeger's kind names: "server", "client", "producer", "consumer",
// "internal"; "" for unspecified.
std::string_view kind_name(std::uint8_t kind);

}  // namespace spanline::traceview
