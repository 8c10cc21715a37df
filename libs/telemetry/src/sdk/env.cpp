#include "sdk/env.h"

#include "api/text.h"

#include <charconv>
#include <cstdlib>

namespace spanline::telemetry::env {

std::string_view trim(std::string_view s) noexcept {
  return text::trim_ows(s);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return text::iequals(a, b);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> get(const char* name) {
  const char* raw = std::getenv(name);
  if (raw == nullptr) return std::nullopt;
  auto v = trim(raw);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

bool get_bool(const char* name) {
  auto v = get(name);
  return v && iequals(*v, "true");
}

std::optional<std::uint64_t> get_uint(const char* name, std::vector<std::string>* warnings) {
  auto v = get(name);
  if (!v) return std::nullopt;
  std::uint64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    if (warnings)
      warnings->push_back(std::string(name) + "=\"" + *v +
                          "\" is not a non-negative integer; using the default");
    return std::nullopt;
  }
  return out;
}

std::optional<std::chrono::milliseconds> get_millis(const char* name,
                                                    std::vector<std::string>* warnings) {
  auto v = get_uint(name, warnings);
  if (!v) return std::nullopt;
  return std::chrono::milliseconds(*v);
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
    if (ec != std::errc() || end != s.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace spanline::telemetry::env
