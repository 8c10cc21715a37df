// Text-map propagation: W3C traceparent/tracestate, W3C baggage, B3 (single
// and multi header), composites, and the OTEL_PROPAGATORS selection.
//
// Extraction never fails: malformed input yields the context it was given
// (W3C §3.2.2: "the vendor SHOULD ignore it and start a new trace").
#pragma once

#include <array>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/context.h"

namespace spanline::telemetry {

// The values of one header as views into the carrier, held inline: reading
// headers on every request must not allocate. Past kMaxValues the extra
// values are not kept and overflowed() says so; propagators then treat the
// header as unreadable (it is not the list the sender meant).
class HeaderValues {
 public:
  static constexpr std::size_t kMaxValues = 8;

  // Leaves the slots uninitialised: this is built on every header read.
  HeaderValues() noexcept {}
  HeaderValues(std::initializer_list<std::string_view> values) noexcept {
    for (auto v : values) push_back(v);
  }
  HeaderValues(const HeaderValues& other) noexcept { *this = other; }
  HeaderValues& operator=(const HeaderValues& other) noexcept {
    size_ = other.size_;
    overflowed_ = other.overflowed_;
    for (std::size_t i = 0; i < size_; ++i) values_[i] = other.values_[i];
    return *this;
  }
  void push_back(std::string_view value) noexcept {
    if (size_ < kMaxValues) {
      values_[size_++] = value;
    } else {
      overflowed_ = true;
    }
  }
  bool overflowed() const noexcept { return overflowed_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::string_view* data() const noexcept { return values_; }
  const std::string_view* begin() const noexcept { return values_; }
  const std::string_view* end() const noexcept { return values_ + size_; }
  std::string_view front() const noexcept { return values_[0]; }
  std::string_view operator[](std::size_t i) const noexcept { return values_[i]; }

 private:
  union {
    std::string_view values_[kMaxValues];
  };
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

// Reads headers from a carrier. Header names are case-insensitive; callers
// pass lowercase names and implementations compare case-insensitively.
class TextMapGetter {
 public:
  virtual ~TextMapGetter() = default;
  // All values of the header, in order (several headers of one name are one list).
  virtual HeaderValues get_all(std::string_view name) const = 0;
  // The first value, if any.
  std::optional<std::string_view> get(std::string_view name) const {
    auto all = get_all(name);
    if (all.empty()) return std::nullopt;
    return all.front();
  }
};

class TextMapSetter {
 public:
  virtual ~TextMapSetter() = default;
  // Replaces any existing value of the header.
  virtual void set(std::string_view name, std::string_view value) = 0;
};

class TextMapPropagator {
 public:
  virtual ~TextMapPropagator() = default;
  // Returns `context` with what the carrier holds; unchanged if nothing valid.
  virtual Context extract(const TextMapGetter& carrier, const Context& context) const = 0;
  virtual void inject(const Context& context, TextMapSetter& carrier) const = 0;
  // Header names this propagator reads and writes (lowercase).
  virtual std::vector<std::string> fields() const = 0;
  // True when extract() reads no header but those of fields(): a carrier
  // holding none of them extracts nothing, so callers may skip extract().
  virtual bool reads_only_fields() const noexcept { return false; }
};

// ---- W3C traceparent codec (used by the W3C propagator, exposed for tests) ----

// Parses a traceparent value. Version 00 must be exactly 55 characters; a
// higher version (not ff) is parsed by the first 55 characters and must be
// followed by nothing or '-' (forward compatibility, §3.2.4). Lowercase hex
// only; all-zero ids invalid. Returns a remote SpanContext without tracestate.
std::optional<SpanContext> parse_traceparent(std::string_view value) noexcept;
// The length of a version-00 traceparent (and traceresponse) value.
inline constexpr std::size_t kTraceparentSize = 55;

// "00-<trace>-<span>-<flags>"; `out` must hold kTraceparentSize characters.
void format_traceparent(const SpanContext& context, char* out) noexcept;
std::string format_traceparent(const SpanContext& context);

class W3CTraceContextPropagator final : public TextMapPropagator {
 public:
  Context extract(const TextMapGetter& carrier, const Context& context) const override;
  void inject(const Context& context, TextMapSetter& carrier) const override;
  std::vector<std::string> fields() const override;
  bool reads_only_fields() const noexcept override { return true; }
};

class W3CBaggagePropagator final : public TextMapPropagator {
 public:
  Context extract(const TextMapGetter& carrier, const Context& context) const override;
  void inject(const Context& context, TextMapSetter& carrier) const override;
  std::vector<std::string> fields() const override;
  bool reads_only_fields() const noexcept override { return true; }
};

// B3: `single` writes the one `b3` header; otherwise X-B3-* headers. Extraction
// accepts both forms (single first).
class B3Propagator final : public TextMapPropagator {
 public:
  explicit B3Propagator(bool single) : single_(single) {}
  Context extract(const TextMapGetter& carrier, const Context& context) const override;
  void inject(const Context& context, TextMapSetter& carrier) const override;
  std::vector<std::string> fields() const override;
  bool reads_only_fields() const noexcept override { return true; }

 private:
  bool single_;
};

class CompositePropagator final : public TextMapPropagator {
 public:
  explicit CompositePropagator(std::vector<std::unique_ptr<TextMapPropagator>> parts)
      : parts_(std::move(parts)) {}
  Context extract(const TextMapGetter& carrier, const Context& context) const override;
  void inject(const Context& context, TextMapSetter& carrier) const override;
  std::vector<std::string> fields() const override;
  bool reads_only_fields() const noexcept override;

 private:
  std::vector<std::unique_ptr<TextMapPropagator>> parts_;
};

// Builds the propagator named by a comma-separated OTEL_PROPAGATORS value:
// tracecontext, baggage, b3, b3multi, none. Empty → "tracecontext,baggage".
// Unknown names are skipped and reported in `unknown` (if given).
std::unique_ptr<TextMapPropagator> make_propagator(std::string_view names,
                                                   std::vector<std::string>* unknown = nullptr);

// The process-wide propagator: set once at startup (sdk::init does it from
// the environment); defaults to tracecontext,baggage.
const TextMapPropagator& global_propagator() noexcept;
void set_global_propagator(std::unique_ptr<TextMapPropagator> propagator);

}  // namespace spanline::telemetry
