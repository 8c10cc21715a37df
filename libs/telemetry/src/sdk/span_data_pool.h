// Recycles SpanData objects between the threads that end spans and the
// batch processor's worker that frees them after export.
//
// Why: spans are allocated on request threads and freed on the export
// thread; with glibc malloc that cross-thread pattern misses the per-thread
// caches on both sides and dominated the cost of a span. Recycled objects
// also keep their vectors' capacity.
//
// Each recycled SpanData also keeps its attribute objects (see
// SpanData::spare_attributes), so a 20-character key or value is assigned
// into an existing buffer instead of being a malloc here and a cross-thread
// free on the export thread.
//
// Thread rules: release() is called by any thread with a batch; acquire() by
// span-starting threads, each of which keeps a small thread-local stash
// refilled in chunks, so the shared mutex is taken once per chunk.
// recycle() returns one span to the calling thread's stash: a span ended and
// encoded on a request thread goes back to that thread while still in its
// cache, and is the next one that thread acquires.
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
  // Spare attributes kept per span, and the largest buffer kept: larger ones
  // are freed rather than hoarded.
  static constexpr std::size_t kMaxSpareAttributes = 64;
  static constexpr std::size_t kMaxRecycledCapacity = 256;
  // Packed attribute bytes kept by a recycled span, at most.
  static constexpr std::size_t kMaxPackedBytes = 4096;

  static SpanDataPool& instance() noexcept;

  // A cleared SpanData, recycled when one is available.
  std::unique_ptr<SpanData> acquire();
  // Clears `span` and keeps it for this thread's next acquire(); a full stash
  // passes a chunk to the shared list.
  void recycle(std::unique_ptr<SpanData> span) noexcept;
  // Clears and keeps up to kMaxPooled of `spans`; frees the rest. Leaves
  // `spans` empty.
  void release(std::vector<std::unique_ptr<SpanData>>& spans) noexcept;

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<SpanData>> free_;
};

// Clears every field, keeping string and vector capacity and moving the
// attributes to spare_attributes.
void reset(SpanData& span) noexcept;

// Appends an attribute to `attrs` for `key`, reusing a spare one's buffers
// when there is one; the caller sets the value.
Attribute& append_attribute(std::vector<Attribute>& attrs, SpanData::SpareAttributes* spare,
                            std::string_view key);

}  // namespace spanline::telemetry::detail
