// The Jaeger query API v1 over a TraceStore, on the libs/net router:
// /api/services, /api/services/{service}/operations, /api/operations,
// /api/traces (search, or traceID=...), /api/traces/{traceID},
// /api/dependencies. Responses use Jaeger's envelope
// {data, total, limit, offset, errors}; a bad parameter is a 400 and an
// unknown trace a 404, with both Jaeger's `errors` and the project's
// {"error", "message"} in the body.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "spanline/net/router.h"
#include "store.h"

namespace spanline::traceview {

// Go duration syntax, as Jaeger takes it ("1h", "1.5s", "300ms", "2m30s",
// "100us", "10µs", "5ns"); nullopt when malformed or negative.
std::optional<std::uint64_t> parse_go_duration_ns(std::string_view text);

void add_query_api(net::Router& router, const TraceStore& store);

// api_v3: /api/v3/services, /api/v3/operations, /api/v3/traces (query.*
// parameters: service_name, operation_name, start_time_min/max in RFC 3339,
// duration_min/max, search_depth, attributes), /api/v3/traces/{id};
// traces as {"result": <OTLP TracesData JSON>}.
void add_query_api_v3(net::Router& router, const TraceStore& store);

}  // namespace spanline::traceview
