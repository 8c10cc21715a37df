// SpanData: a finished (or in-progress) span as processors and exporters see
// it. It is also the in-memory model the collector and traceview decode OTLP
// into, so it carries its own resource and scope.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/attribute.h"
#include "spanline/telemetry/api/ids.h"
#include "spanline/telemetry/sdk/resource.h"

namespace spanline::telemetry {

// Values match OTLP Span.SpanKind.
enum class SpanKind : std::uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
const char* to_string(SpanKind kind) noexcept;

// Values match OTLP Status.StatusCode.
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };
const char* to_string(StatusCode code) noexcept;

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::string schema_url;
  std::vector<Attribute> attributes;
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

struct SpanEvent {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<Attribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const SpanEvent&, const SpanEvent&) = default;
};

struct SpanLink {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;  // W3C header form
  std::uint8_t trace_flags = 0;
  bool is_remote = false;
  std::vector<Attribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const SpanLink&, const SpanLink&) = default;
};

struct SpanStatus {
  StatusCode code = StatusCode::kUnset;
  std::string message;
  friend bool operator==(const SpanStatus&, const SpanStatus&) = default;
};

struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;    // all-zero for a root span
  std::string trace_state;  // W3C header form
  std::uint8_t trace_flags = 0;
  bool parent_is_remote = false;
  // OTLP Span.flags bit 8: whether parent_is_remote is known. Spans we record
  // always know it; decoded spans keep what the wire said.
  bool has_remote_flag = true;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  std::uint32_t dropped_links_count = 0;
  SpanStatus status;
  // Spans recorded by the SDK share their provider's resource and their
  // tracer's scope through non-owning pointers (no reference count per span):
  // those are valid while the TracerProvider lives. A processor that keeps a
  // SpanData past its provider's shutdown must copy them. Decoded spans (the
  // collector, traceview) own theirs.
  std::shared_ptr<const Resource> resource;
  std::shared_ptr<const InstrumentationScope> scope;

  // Not part of the span: attribute objects kept from an earlier use of this
  // recycled SpanData, whose string buffers new attributes are assigned into
  // (no allocation per attribute in steady state). Encoders, equality and
  // processors ignore it.
  struct SpareAttributes {
    // In the order the previous span set them; items[next..] are still
    // spare, items[..next) were handed out (moved from).
    std::vector<Attribute> items;
    std::size_t next = 0;
    std::size_t available() const noexcept { return items.size() - next; }
  };
  SpareAttributes spare_attributes;

  // Not part of the span's model either: the attributes a recording Span
  // sets (strings, bools, ints and doubles under distinct keys) are written
  // straight into their OTLP protobuf form, each a Span.attributes field
  // (tag, length, KeyValue), read back by parsing them. While any are
  // here, `attributes` is empty; detail::unpack_attributes moves them over
  // as Attribute objects. Only an encoder that declares it reads them
  // (SpanEncoder::reads_packed_attributes) ever sees a packed span; every
  // other processor, exporter and Span::data() gets it unpacked.
  struct PackedAttributes {
    // Grows without zero-filling what is about to be written over.
    class Bytes {
     public:
      Bytes() noexcept = default;
      Bytes(const Bytes& other) { append(other.view()); }
      Bytes& operator=(const Bytes& other) {
        if (this != &other) {
          clear();
          append(other.view());
        }
        return *this;
      }
      Bytes(Bytes&&) noexcept = default;
      Bytes& operator=(Bytes&&) noexcept = default;

      const char* data() const noexcept { return data_.get(); }
      char* data() noexcept { return data_.get(); }
      std::size_t size() const noexcept { return size_; }
      std::size_t capacity() const noexcept { return capacity_; }
      bool empty() const noexcept { return size_ == 0; }
      std::string_view view() const noexcept { return {data_.get(), size_}; }
      void clear() noexcept { size_ = 0; }
      void release() noexcept {
        data_.reset();
        size_ = capacity_ = 0;
      }
      // Makes room for `n` more bytes and returns where they go; their
      // content is whatever was there. May throw bad_alloc (size unchanged).
      char* extend(std::size_t n) {
        if (capacity_ - size_ < n) grow(size_ + n);
        char* at = data_.get() + size_;
        size_ += n;
        return at;
      }
      void append(std::string_view s) {
        if (!s.empty()) std::memcpy(extend(s.size()), s.data(), s.size());
      }

     private:
      void grow(std::size_t need) {
        const std::size_t cap = std::max<std::size_t>({need, 2 * capacity_, 256});
        std::unique_ptr<char[]> bigger(new char[cap]);
        if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = cap;
      }
      std::unique_ptr<char[]> data_;
      std::size_t size_ = 0;
      std::size_t capacity_ = 0;
    };
    Bytes bytes;
    std::uint32_t count = 0;  // attributes in `bytes`
    // One bit per key in `bytes` (see detail::key_bit): a key whose bit is
    // clear is new without comparing it to the others.
    std::uint64_t key_bits = 0;
    bool empty() const noexcept { return count == 0; }
    void clear() noexcept {
      bytes.clear();
      count = 0;
      key_bits = 0;
    }
  };
  PackedAttributes packed_attributes;

  // Field-by-field equality, resource and scope compared by value.
  friend bool operator==(const SpanData& a, const SpanData& b);
};

}  // namespace spanline::telemetry
