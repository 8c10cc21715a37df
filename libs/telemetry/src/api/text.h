// Small text helpers shared by the header parsers and the environment
// readers. Private to the telemetry library.
#pragma once

#include <string_view>

namespace spanline::telemetry::text {

// HTTP optional whitespace (RFC 7230 §3.2.3): spaces and tabs.
constexpr bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality (header names, variable values).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace spanline::telemetry::text
