// Span: the handle code holds while an operation runs. Move-only; ends itself
// when destroyed (RAII) unless ended explicitly. A non-recording span (not
// sampled, SDK disabled, default-constructed) carries only its SpanContext
// and every mutator is a cheap no-op.
//
// Thread rules: one span is used by one thread at a time (hand it over with
// std::move); ending hands the data to the processors.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/context.h"
#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry {

namespace detail {
struct ProviderState;
}

// Attributes prepared once for many spans: a server's connection gives
// every request's span the same client address, server address and
// protocol. Keys are unique (a later value for a key replaces the earlier
// one, in its place). Span::set_attributes adds them all; when the span
// packs its attributes and none of these is set yet, that is one copy of
// bytes encoded here.
class AttributeSet {
 public:
  AttributeSet() = default;
  explicit AttributeSet(std::vector<Attribute> attributes);

  const std::vector<Attribute>& attributes() const noexcept { return attributes_; }
  bool empty() const noexcept { return attributes_.empty(); }

 private:
  friend class Span;
  std::vector<Attribute> attributes_;
  // The OTLP encoding (Span.attributes fields) when every attribute is a
  // string, bool, int or double with valid UTF-8; else empty and unused.
  std::string packed_;
  bool packable_ = false;
  std::uint64_t key_bits_ = 0;    // as SpanData::PackedAttributes::key_bits
  std::size_t longest_text_ = 0;  // the longest string value, for the length limit
};

class Span {
 public:
  Span() noexcept = default;
  // A non-recording span that only carries `context` (e.g. to propagate a
  // remote parent when the SDK is disabled).
  explicit Span(const SpanContext& context) noexcept : context_(context) {}
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { end(); }

  const SpanContext& context() const noexcept { return context_; }
  bool is_recording() const noexcept { return data_ != nullptr; }

  // Sets or replaces an attribute. Beyond the attribute count limit new keys
  // are dropped (and counted); string values are cut to the length limit.
  void set_attribute(std::string_view key, AttributeValue value);
  // String values are copied into recycled buffers: no allocation in steady
  // state on this, the most common attribute path.
  void set_attribute(std::string_view key, std::string_view value);
  void set_attribute(std::string_view key, const char* value) {
    set_attribute(key, std::string_view(value));
  }
  void set_attribute(std::string_view key, const std::string& value) {
    set_attribute(key, std::string_view(value));
  }
  template <typename T>
  requires(
      !std::is_same_v<std::decay_t<T>, AttributeValue> &&
      !std::is_convertible_v<const T&, std::string_view>) void set_attribute(std::string_view key,
                                                                             T&& value) {
    if (!data_) return;
    // Scalars skip the AttributeValue temporary (the HTTP status code and
    // port are on every server span).
    using V = std::decay_t<T>;
    if constexpr (std::is_same_v<V, bool>)
      set_simple<bool>(key, value);
    else if constexpr (std::is_integral_v<V>)
      set_simple<std::int64_t>(key, static_cast<std::int64_t>(value));
    else if constexpr (std::is_floating_point_v<V>)
      set_simple<double>(key, static_cast<double>(value));
    else
      set_attribute(key, attr(std::forward<T>(value)));
  }
  // Sets each attribute of `set` (as set_attribute does, limits included).
  void set_attributes(const AttributeSet& set);
  void add_event(std::string_view name, std::vector<Attribute> attributes = {},
                 std::uint64_t time_unix_nano = 0);
  void add_link(const SpanContext& context, std::vector<Attribute> attributes = {});
  // Per spec: Ok is final; Unset never overrides; the message is kept for
  // Error only.
  void set_status(StatusCode code, std::string_view message = {});
  void update_name(std::string_view name);
  // Adds an "exception" event with exception.type / exception.message
  // (semantic conventions). Does not change the status.
  void record_exception(const std::exception& error);
  void record_exception(std::string_view type, std::string_view message,
                        std::string_view stacktrace = {});

  // Ends the span at `end_unix_nano` (0 → now). Later calls are no-ops.
  void end(std::uint64_t end_unix_nano = 0) noexcept;

  // `parent` with this span as the active span: pass it to children and to
  // outgoing requests.
  Context context_for_children(const Context& parent = Context::current()) const {
    return parent.with_span(context_);
  }

  // Read access for tests and instrumentation (null when not recording).
  // Attributes are moved into SpanData::attributes first (see
  // SpanData::PackedAttributes); may throw bad_alloc doing so.
  const SpanData* data() const;

 private:
  friend class Tracer;
  // One string (already cut to the length limit), bool, int64 or double
  // value: packed when the provider packs, else set on SpanData::attributes.
  template <typename T>
  void set_simple(std::string_view key, T value);
  // Packs an attribute (see SpanData::PackedAttributes) or counts it as
  // dropped: true. False, with the span unpacked, when it must be set on
  // SpanData::attributes instead.
  bool packed(std::string_view key, std::string_view text, std::uint8_t type, std::uint64_t scalar);

  Span(const SpanContext& context, std::unique_ptr<SpanData> data,
       detail::ProviderState* provider) noexcept
      : context_(context), data_(std::move(data)), provider_(provider) {}

  SpanContext context_;
  std::unique_ptr<SpanData> data_;
  detail::ProviderState* provider_ = nullptr;
};

}  // namespace spanline::telemetry
