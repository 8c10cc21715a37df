// UTF-8 well-formedness (RFC 3629): shared by the SDK, which packs span
// attributes as protobuf strings, and the OTLP encoders.
#include "utf8.h"

#include <cstdint>
#include <cstring>

namespace spanline::telemetry::detail {

std::size_t utf8_sequence_length(std::string_view s, std::size_t* bad_len) noexcept {
  // Unicode §3.9 table 3-7, well-formed UTF-8 byte sequences.
  const auto b0 = static_cast<std::uint8_t>(s[0]);
  if (b0 < 0x80) return 1;
  std::size_t need;
  std::uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    *bad_len = 1;
    return 0;
  }
  for (std::size_t i = 1; i < need; ++i) {
    if (i >= s.size()) {
      *bad_len = i;
      return 0;
    }
    const auto b = static_cast<std::uint8_t>(s[i]);
    if (b < lo || b > hi) {
      *bad_len = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need;
}

bool is_valid_utf8(std::string_view s) noexcept {
  // Attribute keys and values are overwhelmingly ASCII: OR the string
  // together eight bytes at a time (the last load overlapping) and test the
  // high bits once, without data-dependent branches.
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t any = 0;
  if (n >= 8) {
    std::uint64_t word;
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);
      any |= word;
    }
    std::memcpy(&word, p + n - 8, 8);
    any |= word;
  } else {
    for (std::size_t i = 0; i < n; ++i) any |= static_cast<std::uint8_t>(p[i]);
  }
  if ((any & kHighBits) == 0) return true;

  for (std::size_t i = 0; i < n;) {
    if (static_cast<std::uint8_t>(p[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t bad;
    const std::size_t len = utf8_sequence_length(s.substr(i), &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t bad = 0;
    std::size_t n = utf8_sequence_length(s.substr(i), &bad);
    if (n > 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      i += bad;
    }
  }
  return out;
}

}  // namespace spanline::telemetry::detail
