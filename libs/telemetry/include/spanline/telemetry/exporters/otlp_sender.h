// Sends already-encoded OTLP trace export requests: the OTLP exporter's
// transports (gRPC, HTTP), gzip and retry policy, for callers that hold
// bytes rather than SpanData — the OTLP span exporter itself, and
// spanline-collector's otlp/otlphttp exporters. No Boost or gRPC here.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/exporters/otlp_exporter.h"

namespace spanline::telemetry {

struct OtlpSendOutcome {
  enum class Status {
    kOk,         // accepted; `partial` may still report rejected spans
    kRetryable,  // still failing transiently when retries ran out or the deadline came
    kPermanent,  // the server can never accept this request (HTTP 4xx, INVALID_ARGUMENT...)
    kAborted,    // shutdown() interrupted it
  };
  Status status = Status::kPermanent;
  OtlpPartialSuccess partial;
  // What went wrong last, e.g. "HTTP 503: overloaded" or "connect: refused".
  std::string error;
  int attempts = 0;
};

class OtlpSender {
 public:
  // Throws std::invalid_argument when options.validate() fails.
  static std::unique_ptr<OtlpSender> make(OtlpExporterOptions options);
  virtual ~OtlpSender() = default;

  // `body` is one ExportTraceServiceRequest, encoded as options.protocol
  // expects (protobuf; JSON for kHttpJson), uncompressed: gzip, when on, is
  // applied here once for all attempts. Each attempt gets min(timeout, time
  // left); retryable failures back off (options.retry, or the server's
  // Retry-After / RetryInfo) until `deadline`. One call at a time per
  // sender; use one sender per concurrent caller.
  virtual OtlpSendOutcome send(std::string_view body, Clock::time_point deadline) noexcept = 0;
  // send() in two halves, for a caller with other work to do while the
  // backend answers: start() returns once the first attempt's request is
  // written (OTLP/HTTP; gRPC sends the whole attempt here), and finish()
  // reads its answer and then does what send() does after a first attempt
  // (retries, backoff), by the same deadline. `body` must stay valid until
  // finish() returns, and every start() needs its finish() before the next
  // send() or start(). start() is false when the first attempt ended
  // without an answer to wait for (no connection, shutdown...): finish()
  // then carries on from that outcome without waiting.
  virtual bool start(std::string_view body, Clock::time_point deadline) noexcept = 0;
  // finish() gives up by `deadline` when that comes before start()'s; an
  // answer that has already arrived is read whatever the time.
  virtual OtlpSendOutcome finish(Clock::time_point deadline) noexcept = 0;
  // Makes a send() in flight (attempt or backoff sleep) return kAborted
  // promptly, and every later one at once. Any thread; idempotent.
  virtual void shutdown() noexcept = 0;
  virtual const OtlpExporterOptions& options() const noexcept = 0;
};

}  // namespace spanline::telemetry
