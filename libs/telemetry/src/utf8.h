// UTF-8 checks for proto3 `string` fields and JSON text. Private to the
// telemetry libraries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace spanline::telemetry::detail {

// Well-formed UTF-8 per RFC 3629 (no overlongs, surrogates or values past
// U+10FFFF). proto3 `string` fields must hold it: strict receivers (Go's
// protobuf runtime, libprotobuf) reject the whole request otherwise.
bool is_valid_utf8(std::string_view s) noexcept;
// The same, with ASCII strings of up to 16 bytes (keys and most attribute
// values) answered inline by at most two overlapping loads.
inline bool is_valid_utf8_short(std::string_view s) noexcept {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n > 16) return is_valid_utf8(s);
  std::uint64_t any = 0;
  if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    any = a | b;
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    any = a | b;
  } else if (n > 0) {
    any = static_cast<std::uint8_t>(p[0]) | static_cast<std::uint8_t>(p[n / 2]) |
          static_cast<std::uint8_t>(p[n - 1]);
  }
  return (any & 0x8080808080808080ULL) == 0 || is_valid_utf8(s);
}
// Copies `s` with each maximal ill-formed subsequence replaced by U+FFFD
// (Unicode §3.9, "substitution of maximal subparts").
std::string sanitize_utf8(std::string_view s);

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it
// is ill-formed; `s` must not be empty. For a 0 result, `*bad_len` receives
// the length of the maximal ill-formed subpart to replace.
std::size_t utf8_sequence_length(std::string_view s, std::size_t* bad_len) noexcept;

}  // namespace spanline::telemetry::detail
