// The CLIENT span of one physical request: semantic-convention attributes,
// context injection, status mapping (ERROR for 4xx, 5xx and transport
// errors; https://opentelemetry.io/docs/specs/semconv/http/http-spans/).
#pragma once

#include "spanline/net/client.h"
#include "spanline/telemetry/sdk/tracer.h"
#include "url_parts.h"

namespace spanline::net::detail {

class ClientSpan {
 public:
  // Starts the span as a child of `parent` and writes its context into
  // `trace_headers` (emptied first) with the global propagator.
  // `resend_count` > 0 marks a retry (http.request.resend_count).
  void start(telemetry::Tracer& tracer, Method method, const UrlParts& url,
             const telemetry::Context& parent, int resend_count, Headers& trace_headers);
  void finish(const ClientResult& result) noexcept;
  void end() noexcept { span_.end(); }

 private:
  telemetry::Span span_;
};

// Low-cardinality error.type for a failed call ("timeout", "connection_refused").
std::string_view error_type(const boost::system::error_code& ec) noexcept;

}  // namespace spanline::net::detail
