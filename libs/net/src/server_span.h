// The SERVER span of one request: context extraction, the stable HTTP
// semantic-convention attributes, status mapping and the traceresponse
// header (https://opentelemetry.io/docs/specs/semconv/http/http-spans/,
// W3C Trace Context Level 2 §"traceresponse").
#pragma once

#include <boost/beast/http/fields.hpp>

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spanline/net/request.h"
#include "spanline/net/router.h"
#include "spanline/telemetry/api/propagation.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::net::detail {

// What the spans of one connection share: url.scheme,
// network.protocol.version, server.address and server.port (from the Host
// header) and client.address, prepared once and rebuilt when a request's
// Host or HTTP version differs from the one before.
struct ConnectionAttributes {
  telemetry::AttributeSet set;
  std::string host;
  unsigned version = 0;
  bool built = false;
};

// What the spans of one endpoint share, prepared once per server:
// http.request.method and http.route, and the same with url.path for a
// request whose path is the route's template itself (a route without
// parameters, the common case).
struct EndpointAttributes {
  telemetry::AttributeSet route;
  telemetry::AttributeSet route_and_path;
};

// The EndpointAttributes of every endpoint of a router, found by address.
// The router must outlive the table and not change.
class EndpointAttributeTable {
 public:
  explicit EndpointAttributeTable(const Router& router);
  // Null for an endpoint of another router, or one whose method is not a
  // standard one (its span carries http.request.method_original too).
  const EndpointAttributes* find(const Router::Endpoint* endpoint) const noexcept;

 private:
  std::vector<std::pair<const Router::Endpoint*, EndpointAttributes>> entries_;  // by address
};

class ServerSpan {
 public:
  // Extracts the incoming context (global propagator) into `request`. With a
  // tracer, starts the span under it and makes the span the request's
  // context. `request` must have its message, client and route set;
  // `span_name` must outlive the call only.
  // `connection` is the connection's shared attributes, kept between calls;
  // `endpoint` those of the matched endpoint (null when none matched).
  void start(telemetry::Tracer* tracer, const boost::beast::http::fields& headers, Request& request,
             std::string_view span_name, ConnectionAttributes& connection,
             const EndpointAttributes* endpoint);

  // An exception escaped the handler: exception event, error.type, ERROR.
  void record_exception(const std::exception* error) noexcept;

  // Response status attributes and span status (ERROR for 5xx). When this
  // server started a span of its own, returns the traceresponse value,
  // formatted into `value`; else empty.
  std::string_view finish(int status, char (&value)[telemetry::kTraceparentSize]) noexcept;

  void end() noexcept { span_.end(); }

 private:
  telemetry::Span span_;
  bool started_ = false;
  bool error_type_set_ = false;
  telemetry::SpanId parent_span_id_;
};

// "host" and port from a Host header value ("example.com:8080", "[::1]:80",
// "example.com"); port 0 when absent or malformed.
std::pair<std::string_view, std::uint16_t> split_host_port(std::string_view host) noexcept;

// A readable, low-cardinality type name for error.type ("std::runtime_error").
std::string exception_type_name(const std::exception& error);

}  // namespace spanline::net::detail
