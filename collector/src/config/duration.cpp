// Go's time.ParseDuration, which the Collector uses for every duration field:
// a sequence of decimal numbers, each with an optional fraction and a unit,
// such as "300ms", "1.5h" or "2h45m", with an optional sign; "0" needs no
// unit. Same rounding as Go: the fraction goes through a double.
#include <cstdint>
#include <limits>

#include "config/config.h"

namespace spanline::collector {
namespace {

constexpr std::uint64_t kMaxMagnitude = std::uint64_t{1} << 63;  // |INT64_MIN|

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Nanoseconds per unit; 0 for an unknown unit. Both micro signs are accepted,
// U+00B5 (micro sign) and U+03BC (Greek mu), as Go does.
std::uint64_t unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// One "<number><unit>" element; advances `s`. nullopt when malformed or the
// element alone exceeds 2^63 ns.
std::optional<std::uint64_t> parse_element(std::string_view& s) {
  std::uint64_t whole = 0;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (whole > kMaxMagnitude / 10) return std::nullopt;
    whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (whole > kMaxMagnitude) return std::nullopt;
  }
  bool has_whole = i > 0;
  std::uint64_t frac = 0;
  double scale = 1;
  bool has_frac = false;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && is_digit(s[i]); ++i) {
      has_frac = true;
      // Digits past what 63 bits hold cannot change the result; skip them.
      if (frac > (kMaxMagnitude - 9) / 10) continue;
      frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
      scale *= 10;
    }
  }
  if (!has_whole && !has_frac) return std::nullopt;
  std::size_t unit_end = i;
  while (unit_end < s.size() && s[unit_end] != '.' && !is_digit(s[unit_end])) ++unit_end;
  std::uint64_t unit = unit_ns(s.substr(i, unit_end - i));
  if (unit == 0 || whole > kMaxMagnitude / unit) return std::nullopt;
  std::uint64_t value = whole * unit;
  if (frac > 0) {
    value +=
        static_cast<std::uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
    if (value > kMaxMagnitude) return std::nullopt;
  }
  s.remove_prefix(unit_end);
  return value;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{0};
  if (s.empty()) return std::nullopt;
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::optional<std::uint64_t> element = parse_element(s);
    if (!element || *element > kMaxMagnitude - total) return std::nullopt;
    total += *element;
  }
  if (negative) {
    return Duration{total == kMaxMagnitude ? std::numeric_limits<std::int64_t>::min()
                                           : -static_cast<std::int64_t>(total)};
  }
  if (total == kMaxMagnitude) return std::nullopt;
  return Duration{static_cast<std::int64_t>(total)};
}

}  // namespace spanline::collector
