// Internals shared by the OTLP protobuf and JSON encoders: the output buffer
// over the caller's string, span grouping by resource and scope, and UTF-8
// checks. Private to spanline_otlp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/sdk/span_data.h"
#include "spanline/telemetry/sdk/span_exporter.h"
#include "utf8.h"

namespace spanline::telemetry::otlp_detail {

// Appends to a std::string through a raw cursor. Callers reserve() the most
// a step can write, then use the unchecked put functions; the string grows
// geometrically, so a whole batch costs a handful of reallocations. The
// destructor trims the string to what was written, or back to its original
// content when an exception (bad_alloc) unwinds through the encoder.
class OutBuffer {
 public:
  // Appends to `out`.
  explicit OutBuffer(std::string& out)
      : out_(out), start_(out.size()), pos_(start_), exceptions_(std::uncaught_exceptions()) {}
  // Writes from `start` of `scratch`, whose size and content from there on
  // are room to write over: its size only grows (the bytes written are
  // [start, pos())), so a reused scratch string is never zero-filled again.
  struct Scratch {};
  OutBuffer(std::string& scratch, std::size_t start, Scratch)
      : out_(scratch), start_(start), pos_(start), exceptions_(-1) {
    if (out_.size() < start_) out_.resize(start_);
  }
  OutBuffer(const OutBuffer&) = delete;
  OutBuffer& operator=(const OutBuffer&) = delete;
  ~OutBuffer() {
    if (exceptions_ >= 0) out_.resize(std::uncaught_exceptions() > exceptions_ ? start_ : pos_);
  }

  void reserve(std::size_t n) {
    if (out_.size() - pos_ < n) [[unlikely]]
      grow(n);
  }
  void put(char c) noexcept { out_.data()[pos_++] = c; }
  void put(const void* data, std::size_t n) noexcept {
    std::memcpy(out_.data() + pos_, data, n);
    pos_ += n;
  }
  void put(std::string_view s) noexcept { put(s.data(), s.size()); }
  // Writes a string literal without its terminating NUL.
  template <std::size_t N>
  void put_lit(const char (&lit)[N]) noexcept {
    put(lit, N - 1);
  }

  std::size_t pos() const noexcept { return pos_; }
  char* at(std::size_t offset) noexcept { return out_.data() + offset; }
  void advance(std::size_t n) noexcept { pos_ += n; }
  void set_pos(std::size_t pos) noexcept { pos_ = pos; }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t want = pos_ + n;
    if (want > out_.capacity()) out_.reserve(std::max({want, 2 * out_.capacity(), kMinSize}));
    // Zero-fills a little past what is needed, not the whole reserve: pages
    // of a large buffer (a full span queue) stay untouched, so not resident,
    // until spans are written into them.
    out_.resize(std::min(out_.capacity(), std::max(want, pos_ + kSlack)));
  }
  static constexpr std::size_t kMinSize = 256;
  static constexpr std::size_t kSlack = 4096;

  std::string& out_;
  const std::size_t start_;
  std::size_t pos_;
  const int exceptions_;
};

// Spans ordered for encoding: one ResourceGroup per distinct resource, each
// owning a run of ScopeGroups, each owning a run of `spans`; all in
// first-seen order. Resources (and scopes) are the same when they are the
// same object or compare equal; a null pointer stands for the empty value.
struct SpanGroups {
  struct ScopeGroup {
    const InstrumentationScope* scope;
    std::uint32_t first_span;
    std::uint32_t span_count;
  };
  struct ResourceGroup {
    const Resource* resource;
    std::uint32_t first_scope;
    std::uint32_t scope_count;
  };
  std::vector<ResourceGroup> resources;
  std::vector<ScopeGroup> scopes;
  std::vector<const SpanData*> spans;
};
SpanGroups group_spans(std::span<const std::unique_ptr<SpanData>> spans);
// The same grouping of encoded spans: `spans` stays empty and `order`
// receives the indices into `spans` in encoding order instead.
SpanGroups group_encoded(std::span<const EncodedSpan> spans, std::vector<std::uint32_t>& order);

// Roughly the protobuf size of the grouped spans (JSON takes about twice
// that). Reserving it up front saves the copies of geometric growth.
std::size_t estimate_proto_size(const SpanGroups& groups) noexcept;

// UTF-8 checks (see utf8.h).
using detail::is_valid_utf8;
using detail::sanitize_utf8;
using detail::utf8_sequence_length;

// encode_otlp_proto written from the start of `scratch` (see
// OutBuffer::Scratch: a reused buffer is not zero-filled again); returns
// the request's size, the bytes [0, size) of `scratch`.
std::size_t encode_otlp_proto_scratch(std::span<const std::unique_ptr<SpanData>> spans,
                                      std::string& scratch);
// encode_otlp_proto_encoded writing at the start of `scratch` (as
// SpanEncoder::encode_at does at offset 0); returns the request's size.
std::size_t encode_otlp_proto_encoded_scratch(std::string_view bytes,
                                              std::span<const EncodedSpan> spans,
                                              std::string& scratch);

// encode_otlp_proto_span without its one-pass path for the common span, so
// tests can check that both write the same bytes.
void encode_otlp_proto_span_general(const SpanData& span, std::string& out);

}  // namespace spanline::telemetry::otlp_detail
