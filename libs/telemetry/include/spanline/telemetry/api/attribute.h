// Attribute values: string, bool, int64, double and homogeneous arrays of
// those (OpenTelemetry common spec, "Attribute").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spanline::telemetry {

using AttributeValue =
    std::variant<std::string, bool, std::int64_t, double, std::vector<std::string>,
                 std::vector<bool>, std::vector<std::int64_t>, std::vector<double>>;

struct Attribute {
  std::string key;
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// Convenience constructors that pick the right alternative for literals
// (a `const char*` must not become a bool, an `int` not a double).
inline AttributeValue attr(std::string_view v) {
  return std::string(v);
}
inline AttributeValue attr(const char* v) {
  return std::string(v);
}
inline AttributeValue attr(std::string v) {
  return v;
}
inline AttributeValue attr(bool v) {
  return v;
}
inline AttributeValue attr(int v) {
  return static_cast<std::int64_t>(v);
}
inline AttributeValue attr(long v) {
  return static_cast<std::int64_t>(v);
}
inline AttributeValue attr(long long v) {
  return static_cast<std::int64_t>(v);
}
inline AttributeValue attr(unsigned v) {
  return static_cast<std::int64_t>(v);
}
inline AttributeValue attr(double v) {
  return v;
}

// Renders a value for humans (console exporter, logs): strings unquoted,
// arrays as [a, b].
std::string to_display_string(const AttributeValue& value);

}  // namespace spanline::telemetry
