// BatchSpanProcessor (trace SDK spec, "Batching processor").
//
// on_end() only appends to a bounded queue under a short mutex; one worker
// thread exports. The queue holds SpanData until the worker exports them;
// with encode_on_end and an exporter that has a span encoder, on_end()
// encodes the span into the queue on the ending thread instead, and the
// queue holds bytes. A full queue drops the span, counts it, and says so in
// a log line at most once per 10 s. force_flush/shutdown return by their
// deadline whatever the exporter does.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "spanline/telemetry/sdk/span_processor.h"

namespace spanline::telemetry {

struct BatchSpanProcessorOptions {
  // Longest wait between two exports (OTEL_BSP_SCHEDULE_DELAY, ms).
  std::chrono::milliseconds schedule_delay{5000};
  // Spans held before new ones are dropped (OTEL_BSP_MAX_QUEUE_SIZE).
  std::size_t max_queue_size = 2048;
  // Spans per export call; reaching it wakes the worker (OTEL_BSP_MAX_EXPORT_BATCH_SIZE).
  std::size_t max_export_batch_size = 512;
  // Deadline of one export call, retries included (OTEL_BSP_EXPORT_TIMEOUT, ms).
  std::chrono::milliseconds export_timeout{30000};
  // With an exporter that has a span encoder (SpanExporter::span_encoder):
  // encode each span into the queue on the thread that ends it, rather than
  // queue the span and have the worker encode whole batches
  // (SPANLINE_BSP_ENCODE_ON_END=true). A queued span then holds about a
  // third of the memory, but the ending thread does the encoding: a server
  // saturating its core, with the worker on that core, serves 1-2% fewer
  // requests per second this way. Off by default.
  bool encode_on_end = false;

  // Reads the OTEL_BSP_* variables (and SPANLINE_BSP_ENCODE_ON_END) over the
  // defaults; malformed values keep the default and are reported in
  // `warnings`; then validate() fixes batch > queue by clamping (as the spec
  // asks).
  static BatchSpanProcessorOptions from_env(std::vector<std::string>* warnings = nullptr);
  // Empty when valid, else what is wrong. max_export_batch_size > max_queue_size
  // is not an error: it is clamped when the processor starts.
  std::string validate() const;
};

class BatchSpanProcessor final : public SpanProcessor {
 public:
  // Throws std::invalid_argument when options.validate() fails.
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options);
  ~BatchSpanProcessor() override;

  void on_end(std::unique_ptr<SpanData> span) noexcept override;
  bool reads_packed_attributes() const noexcept override;
  bool force_flush(Deadline deadline) noexcept override;
  bool shutdown(Deadline deadline) noexcept override;

  // Spans dropped by this processor (queue full or after shutdown).
  std::uint64_t dropped() const noexcept;

 private:
  void on_end_encoded(std::unique_ptr<SpanData> span) noexcept;

  struct State;
  std::shared_ptr<State> state_;  // shared with the worker thread
};

}  // namespace spanline::telemetry
