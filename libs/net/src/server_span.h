// The SERVER span of one request: context extraction, the stable HTTP
// semantic-convention attributes, status mapping and the traceresponse
// header (https://opentelemetry.io/docs/specs/semconv/http/http-spans/,
// W3C Trace Context Level 2 §"traceresponse").
#pragma once

#include <boost/beast/http/fields.hpp>

#include <exception>
#include <string>
#include <string_view>

#include "spanline/net/request.h"
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

class ServerSpan {
 public:
  // Extracts the incoming context (global propagator) into `request`. With a
  // tracer, starts the span under it and makes the span the request's
  // context. `request` must have its message, client and route set;
  // `span_name` must outlive the call only.
  // `connection` is the connection's shared attributes, kept between calls.
  void start(telemetry::Tracer* tracer, const boost::beast::http::fields& headers, Request& request,
             std::string_view span_name, ConnectionAttributes& connection);

  // An exception escaped the handler: exception event, error.type, ERROR.
  void record_exception(const std::exception* error) noexcept;

  // Response status attributes and span status (ERROR for 5xx); adds the
  // traceresponse header when this server started a span of its own.
  void finish(int status, boost::beast::http::fields& response_headers) noexcept;

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
