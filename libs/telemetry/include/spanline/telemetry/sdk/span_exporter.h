// SpanExporter: the SDK's interface to a telemetry backend.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

enum class ExportResult {
  kSuccess,
  kFailure,  // permanent, or retries exhausted, or deadline hit: the batch is dropped
};

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Exports one batch; called by one thread at a time. Must return by
  // `deadline` (retries included). The spans stay owned by the caller.
  virtual ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                                    Deadline deadline) noexcept = 0;
  virtual bool force_flush(Deadline /*deadline*/) noexcept { return true; }
  // Aborts in-flight and future exports promptly; safe to call twice, from
  // any thread, and while export_spans runs on another thread.
  virtual void shutdown() noexcept {}
};

}  // namespace spanline::telemetry
