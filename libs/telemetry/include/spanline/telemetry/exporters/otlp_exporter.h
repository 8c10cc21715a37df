// OTLP span exporter over gRPC, HTTP/protobuf or HTTP/JSON
// (OpenTelemetry protocol exporter spec). No Boost or gRPC in this header.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "spanline/telemetry/sdk/span_exporter.h"

namespace spanline::telemetry {

enum class OtlpProtocol { kGrpc, kHttpProtobuf, kHttpJson };

struct OtlpRetryOptions {
  bool enabled = true;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 1.5;
  // Each delay is spread uniformly over ±this fraction of itself (0..1).
  double randomization = 0.5;
  // Total attempts including the first one.
  int max_attempts = 5;
};

struct OtlpExporterOptions {
  OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf;
  // gRPC: "http://host:port" or "https://host:port" (or "host:port").
  // HTTP: the full URL spans are POSTed to, e.g. "http://localhost:4318/v1/traces".
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> headers;
  // Deadline of one attempt; the batch deadline bounds all attempts.
  std::chrono::milliseconds timeout{10000};
  bool gzip = false;
  // gRPC: plaintext even for a scheme-less endpoint. HTTP: the URL scheme rules.
  bool insecure = false;
  OtlpRetryOptions retry;
  // export_spans() returns as soon as the batch's request is written, with
  // kSuccess, and the backend's answer to it is read when the next batch is
  // exported or by force_flush(), which count the batch and retry it as
  // export_spans() would have (within its own deadline). The exporting
  // thread then blocks once per batch instead of twice and is not woken for
  // answers, and the backend's latency overlaps the next batch. For a batch
  // processor, which does not act on the result and calls force_flush()
  // when it flushes, stops or goes idle; setup_from_env() turns it on. Off,
  // export_spans() returns the batch's outcome.
  bool overlap_answers = false;

  // From OTEL_EXPORTER_OTLP_{,TRACES_}{ENDPOINT,HEADERS,TIMEOUT,COMPRESSION,
  // INSECURE,PROTOCOL}; the signal-specific variable wins, and a generic
  // endpoint gets "/v1/traces" appended for HTTP. Defaults per spec:
  // http/protobuf to http://localhost:4318/v1/traces, gRPC to
  // http://localhost:4317. Malformed values keep the default and are
  // reported in `warnings`.
  static OtlpExporterOptions from_env(std::vector<std::string>* warnings = nullptr);
  // Empty when valid, else what is wrong (bad endpoint URL, zero timeout...).
  std::string validate() const;
};

// Throws std::invalid_argument when options.validate() fails.
std::unique_ptr<SpanExporter> make_otlp_exporter(OtlpExporterOptions options);

}  // namespace spanline::telemetry
