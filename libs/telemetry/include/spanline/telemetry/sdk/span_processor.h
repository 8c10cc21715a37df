// SpanProcessor: hooks at span start and end (trace SDK spec, "Span processor").
#pragma once

#include <memory>

#include "spanline/telemetry/sdk/span_exporter.h"

namespace spanline::telemetry {

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  // Called synchronously when a recording span starts; must not block.
  virtual void on_start(SpanData& /*span*/) noexcept {}
  // Takes ownership of an ended, sampled span. Must not block on I/O.
  virtual void on_end(std::unique_ptr<SpanData> span) noexcept = 0;
  // Whether on_end takes spans whose attributes are still packed (see
  // SpanData::PackedAttributes); every other processor gets them unpacked.
  virtual bool reads_packed_attributes() const noexcept { return false; }
  // Both return false when the deadline passed first; they always return by it.
  virtual bool force_flush(Deadline deadline) noexcept = 0;
  virtual bool shutdown(Deadline deadline) noexcept = 0;
};

// Exports each span as it ends, on the ending thread (tests, debugging).
class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter);
  ~SimpleSpanProcessor() override;
  void on_end(std::unique_ptr<SpanData> span) noexcept override;
  bool force_flush(Deadline deadline) noexcept override;
  bool shutdown(Deadline deadline) noexcept override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace spanline::telemetry
