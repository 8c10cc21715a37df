#include "spanline/telemetry/api/attribute.h"

#include <charconv>
#include <type_traits>

namespace spanline::telemetry {
namespace {

void append_scalar(std::string& out, const std::string& v) {
  out += v;
}
void append_scalar(std::string& out, bool v) {
  out += v ? "true" : "false";
}
void append_scalar(std::string& out, std::int64_t v) {
  out += std::to_string(v);
}
void append_scalar(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

}  // namespace

std::string to_display_string(const AttributeValue& value) {
  std::string out;
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          append_scalar(out, v);
        } else {
          out.push_back('[');
          bool first = true;
          for (const auto& item : v) {
            if (!first) out += ", ";
            first = false;
            append_scalar(out, static_cast<typename T::value_type>(item));
          }
          out.push_back(']');
        }
      },
      value);
  return out;
}

}  // namespace spanline::telemetry
