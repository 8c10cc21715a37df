// Recycles SpanData objects between the threads that end spans and the
// batch processor's worker that frees them after export.
//
// Why: spans are allocated on request threads and freed on the export
// thread; with glibc malloc that cross-thread pattern misses the per-thread
// caches on both sides and dominated the cost of a span. Recycled objects
// also keep their vectors' capacity.
//
// Attribute strings are recycled the same way: release() harvests the key
// and string-value buffers of exported spans, and set_attribute() assigns
// into them instead of allocating (a 20-character key or value does not fit
// the small-string buffer, so each would otherwise be a malloc here and a
// cross-thread free on the export thread).
//
// Thread rules: release() is called by any thread with a batch; acquire() by
// span-starting threads, each of which keeps a small thread-local stash
// refilled in chunks, so the shared mutex is taken once per chunk.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry::detail {

class SpanDataPool {
 public:
  static constexpr std::size_t kChunk = 64;
  static constexpr std::size_t kMaxPooled = 16384;
  static constexpr std::size_t kStringChunk = 1024;
  static constexpr std::size_t kMaxPooledStrings = 65536;
  // Larger buffers are freed rather than hoarded.
  static constexpr std::size_t kMaxRecycledCapacity = 256;

  static SpanDataPool& instance() noexcept;

  // A cleared SpanData, recycled when one is available.
  std::unique_ptr<SpanData> acquire();
  // Clears and keeps up to kMaxPooled of `spans`; frees the rest. Leaves
  // `spans` empty.
  void release(std::vector<std::unique_ptr<SpanData>>& spans) noexcept;
  // An empty string, with recycled capacity when this thread has one.
  static std::string take_string() noexcept;

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<SpanData>> free_;
  std::vector<std::string> free_strings_;
};

// Clears every field, keeping string and vector capacity.
void reset(SpanData& span) noexcept;

}  // namespace spanline::telemetry::detail
