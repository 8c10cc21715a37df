// Private to the OTLP exporter: the transport interface the retry loop in
// otlp_exporter.cpp drives, its two implementations' factories, and the
// endpoint parsing they share with OtlpExporterOptions::validate(). No Beast
// or gRPC types here, so each transport's heavy headers stay in its own .cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/exporters/otlp_exporter.h"

namespace spanline::telemetry::otlp {

// How one attempt ended, as the retry policy needs it (OTLP spec, "Failures"
// and "Retryable Response Codes"): only kRetryable outcomes are tried again.
enum class SendStatus {
  kOk,         // accepted; `partial` may still report rejected spans
  kRetryable,  // throttled, unavailable, timed out, connection failed
  kPermanent,  // the same request can never succeed (4xx, INVALID_ARGUMENT...)
  kAborted,    // shutdown() interrupted the attempt
};

struct SendResult {
  SendStatus status = SendStatus::kPermanent;
  // The server's own retry delay: HTTP Retry-After or gRPC RetryInfo. When
  // present it replaces the computed backoff (OTLP spec, "Throttling").
  std::optional<std::chrono::nanoseconds> retry_after;
  OtlpPartialSuccess partial;
  // For logs: what went wrong, e.g. "HTTP 400: bad span" or "gRPC UNAVAILABLE: ...".
  std::string error;
};

// One connection to the backend. send(), write() and answer() are called by
// one thread at a time (the exporter's caller); shutdown() may come from any
// thread at any time.
class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one already-encoded (and, for HTTP with gzip on, already
  // compressed) ExportTraceServiceRequest. Returns by `deadline`. After
  // shutdown() every call returns kAborted at once.
  virtual SendResult send(std::string_view body, Clock::time_point deadline) noexcept = 0;
  // send() in two halves, so that the caller can do other work while the
  // backend answers: write() returns once the request is written (kOk), and
  // answer() then reads its answer, by its own `deadline`. Any other status
  // from write() is the attempt's outcome, and there is no answer to read.
  // `body` must stay valid until answer() returns; nothing else is sent in
  // between. This default makes the whole attempt in write(), and keeps a
  // success for answer().
  virtual SendResult write(std::string_view body, Clock::time_point deadline) noexcept {
    SendResult r = send(body, deadline);
    if (r.status != SendStatus::kOk) return r;
    held_ = std::move(r);
    return {SendStatus::kOk, {}, {}, {}};
  }
  virtual SendResult answer(Clock::time_point /*deadline*/) noexcept { return std::move(held_); }
  // Makes an in-flight send() return kAborted promptly; idempotent.
  virtual void shutdown() noexcept = 0;

 private:
  SendResult held_;  // the default write()'s outcome, for answer()
};

// Both expect options that passed validate().
std::unique_ptr<Transport> make_http_transport(const OtlpExporterOptions& options);
std::unique_ptr<Transport> make_grpc_transport(const OtlpExporterOptions& options);

// An endpoint split into what the transports need. `scheme` is "http",
// "https" or empty (gRPC's scheme-less "host:port"); `host` keeps IPv6
// brackets; `port` is empty when the URL names none; `target` is the
// path-and-query to request ("/" when the URL has no path).
struct Endpoint {
  std::string scheme;
  std::string host;
  std::string port;
  std::string target;
};

// Parses "scheme://host[:port][/path]" (or "host:port" when `allow_bare`).
// nullopt with `error` set when the string is not such a URL.
std::optional<Endpoint> parse_endpoint(std::string_view url, bool allow_bare, std::string* error);

// Reads the google.rpc.RetryInfo delay out of a serialized google.rpc.Status
// (gRPC's `grpc-status-details-bin`). nullopt when absent or malformed.
std::optional<std::chrono::nanoseconds> retry_delay_from_status_details(std::string_view bytes);

// The message of a serialized google.rpc.Status (OTLP/HTTP error bodies).
std::optional<std::string> message_from_status(std::string_view bytes);

// An HTTP Retry-After value (RFC 9110 §10.2.3): delay-seconds or an
// HTTP-date in any of the three formats of §5.6.7, relative to `now`. A date
// in the past means "now" (zero). nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

inline constexpr std::string_view kUserAgent = "spanline-otlp-exporter/0.1";

}  // namespace spanline::telemetry::otlp
