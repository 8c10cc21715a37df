// TextMapGetter / TextMapSetter over Beast header fields, for extracting
// and injecting trace context.
#pragma once

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/propagation.h"

namespace spanline::net::detail {

// Reads every value of a header without allocating: Beast's lookup is
// case-insensitive and its values are views into the message.
class FieldsGetter final : public telemetry::TextMapGetter {
 public:
  explicit FieldsGetter(const boost::beast::http::fields& fields) noexcept : fields_(fields) {}
  telemetry::HeaderValues get_all(std::string_view name) const override {
    telemetry::HeaderValues values;
    auto range = fields_.equal_range(boost::beast::string_view(name.data(), name.size()));
    for (auto it = range.first; it != range.second; ++it) {
      auto v = it->value();
      values.push_back(std::string_view(v.data(), v.size()));
    }
    return values;
  }

 private:
  const boost::beast::http::fields& fields_;
};

// The request's header fields read in one pass, for a server span's several
// lookups (the propagators' traceparent, tracestate and baggage, then host
// and user-agent): a linear scan over a few names beats as many tree
// lookups. Holds up to kMax fields; with more, complete() is false and the
// fields are read the usual way.
class HeaderSnapshot final : public telemetry::TextMapGetter {
 public:
  static constexpr std::size_t kMax = 16;

  explicit HeaderSnapshot(const boost::beast::http::fields& fields) noexcept : fields_(fields) {
    for (const auto& f : fields) {
      if (size_ == kMax) {
        complete_ = false;
        return;
      }
      const auto n = f.name_string();
      const auto v = f.value();
      // Beast knows these two by number already: no name compare later.
      if (f.name() == boost::beast::http::field::host && host_ == kNone) host_ = size_;
      if (f.name() == boost::beast::http::field::user_agent && user_agent_ == kNone)
        user_agent_ = size_;
      if (f.name() == boost::beast::http::field::unknown) any_unknown_ = true;
      fields_seen_[size_++] = {n.data(), n.size(), v.data(), v.size()};
    }
  }
  bool complete() const noexcept { return complete_; }

  telemetry::HeaderValues get_all(std::string_view name) const override {
    if (!complete_) return FieldsGetter(fields_).get_all(name);
    telemetry::HeaderValues values;
    for (std::size_t i = 0; i < size_; ++i)
      if (same_name(fields_seen_[i].name(), name)) values.push_back(fields_seen_[i].value());
    return values;
  }
  // Whether these fields may hold something `propagator` extracts: false
  // only when it reads nothing but its fields() and none of them is here,
  // so the caller can skip extract(). The names are kept per thread for the
  // propagator last asked about: installed propagators live until exit, so
  // its address identifies it.
  bool may_carry(const telemetry::TextMapPropagator& propagator) const {
    struct Names {
      const telemetry::TextMapPropagator* of = nullptr;
      bool only = false;
      bool all_unknown = false;  // no name is one Beast knows by number
      std::vector<std::string> names;
    };
    thread_local Names cached;
    if (cached.of != &propagator) {
      cached.of = nullptr;  // if fields() throws, nothing stale stays
      cached.names = propagator.fields();
      cached.only = propagator.reads_only_fields();
      cached.all_unknown = std::all_of(cached.names.begin(), cached.names.end(), [](auto& n) {
        return boost::beast::http::string_to_field(n) == boost::beast::http::field::unknown;
      });
      cached.of = &propagator;
    }
    if (!cached.only || !complete_) return true;
    // traceparent, tracestate, baggage and b3 are no field Beast knows: a
    // request whose fields all are (the usual one) holds none of them.
    if (cached.all_unknown && !any_unknown_) return false;
    for (const std::string& name : cached.names)
      for (std::size_t i = 0; i < size_; ++i)
        if (same_name(fields_seen_[i].name(), name)) return true;
    return false;
  }

  // The first value of Host and of User-Agent.
  std::optional<std::string_view> host() const noexcept { return known(host_, "host"); }
  std::optional<std::string_view> user_agent() const noexcept {
    return known(user_agent_, "user-agent");
  }

 private:
  static constexpr std::uint8_t kNone = 0xff;

  std::optional<std::string_view> known(std::uint8_t at, std::string_view name) const noexcept {
    if (!complete_) return FieldsGetter(fields_).get(name);
    if (at == kNone) return std::nullopt;
    return fields_seen_[at].value();
  }

  // Case-insensitive, as header names are.
  static bool same_name(std::string_view a, std::string_view b) noexcept {
    return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                                 boost::beast::string_view(b.data(), b.size()));
  }

  // Trivial, so the array is not initialised before it is filled.
  struct Field {
    const char* name_at;
    std::size_t name_size;
    const char* value_at;
    std::size_t value_size;
    std::string_view name() const noexcept { return {name_at, name_size}; }
    std::string_view value() const noexcept { return {value_at, value_size}; }
  };

  const boost::beast::http::fields& fields_;
  Field fields_seen_[kMax];
  std::uint8_t size_ = 0;
  std::uint8_t host_ = kNone;        // index into fields_seen_
  std::uint8_t user_agent_ = kNone;  //
  bool any_unknown_ = false;         // a field Beast has no number for
  bool complete_ = true;
};

class FieldsSetter final : public telemetry::TextMapSetter {
 public:
  explicit FieldsSetter(boost::beast::http::fields& fields) noexcept : fields_(fields) {}
  void set(std::string_view name, std::string_view value) override {
    fields_.set(boost::beast::string_view(name.data(), name.size()),
                boost::beast::string_view(value.data(), value.size()));
  }

 private:
  boost::beast::http::fields& fields_;
};

}  // namespace spanline::net::detail
