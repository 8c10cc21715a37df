// TextMapGetter / TextMapSetter over Beast header fields, for extracting
// and injecting trace context.
#pragma once

#include <boost/beast/http/fields.hpp>

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
