// SpanExporter: the SDK's interface to a telemetry backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

enum class ExportResult {
  kSuccess,
  kFailure,  // permanent, or retries exhausted, or deadline hit: the batch is dropped
};

// Turns one span into the bytes its exporter will send (see
// SpanExporter::span_encoder). Called from any thread, concurrently.
class SpanEncoder {
 public:
  virtual ~SpanEncoder() = default;
  // Appends the encoding of `span` to `out`; may throw (bad_alloc).
  virtual void encode(const SpanData& span, std::string& out) const = 0;
  // Writes the encoding at `offset` of `buffer` and returns its size.
  // Bytes before `offset` are kept; the size and content of `buffer` from
  // `offset` on are room to write over on entry, and unspecified past the
  // encoding on return (its size may exceed it): a buffer reused this way is
  // never zero-filled again. On an exception, the bytes before `offset` are
  // intact.
  virtual std::size_t encode_at(const SpanData& span, std::string& buffer,
                                std::size_t offset) const {
    buffer.resize(offset);
    encode(span, buffer);
    return buffer.size() - offset;
  }
  // Whether encode() reads SpanData::packed_attributes; if not, spans reach
  // it unpacked.
  virtual bool reads_packed_attributes() const noexcept { return false; }
};

// One span encoded by a SpanEncoder: its resource and scope (which a
// batch groups spans by) and the size of its bytes, which follow those of
// the span before it in the batch's buffer.
struct EncodedSpan {
  std::shared_ptr<const Resource> resource;
  std::shared_ptr<const InstrumentationScope> scope;
  std::uint32_t size = 0;
};

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Exports one batch; called by one thread at a time. Must return by
  // `deadline` (retries included). The spans stay owned by the caller. An
  // exporter may return once the batch is on its way and account for it
  // later, by force_flush() at the latest (OtlpExporterOptions::
  // overlap_answers); kSuccess then means "sent".
  virtual ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                                    Deadline deadline) noexcept = 0;
  virtual bool force_flush(Deadline /*deadline*/) noexcept { return true; }

  // Optional. An exporter that returns an encoder here can have each span
  // encoded by the thread that ends it (BatchSpanProcessorOptions::
  // encode_on_end) and then receives batches through export_encoded()
  // instead of export_spans(). If the encoder reads packed attributes
  // (SpanEncoder::reads_packed_attributes), export_spans() must read them
  // too: spans reach it packed. The encoder lives as long as the exporter.
  virtual const SpanEncoder* span_encoder() const noexcept { return nullptr; }
  // Exports spans made by span_encoder(): `bytes` holds their encodings
  // back to back, in the order of `spans`. Same contract as export_spans().
  virtual ExportResult export_encoded(std::string_view /*bytes*/,
                                      std::span<const EncodedSpan> /*spans*/,
                                      Deadline /*deadline*/) noexcept {
    return ExportResult::kFailure;
  }
  // Aborts in-flight and future exports promptly; safe to call twice, from
  // any thread, and while export_spans runs on another thread.
  virtual void shutdown() noexcept {}
};

}  // namespace spanline::telemetry
