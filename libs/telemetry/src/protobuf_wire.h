// Protobuf wire-format writing shared by the OTLP encoder and the SDK's
// packed span attributes (https://protobuf.dev/programming-guides/encoding/).
// Private to the telemetry libraries.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace spanline::telemetry::wire {

// ceil(bits / 7) as (bits * 9 + 64) / 64, exact for 1 to 64 bits: a multiply
// by 9 and a shift instead of a division on this, the encoders' hottest helper.
inline std::size_t varint_size(std::uint64_t v) noexcept {
  return (static_cast<std::size_t>(std::bit_width(v | 1)) * 9 + 64) >> 6;
}

inline char* write_varint(char* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Copies n bytes inline with at most two loads and stores of one width:
// keys and most values are a few to a few dozen bytes, where a call to
// memcpy costs more than the copy itself.
inline void copy_short(char* to, const char* from, std::size_t n) noexcept {
  if (n >= 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, from, 4);
    std::memcpy(&b, from + n - 4, 4);
    std::memcpy(to, &a, 4);
    std::memcpy(to + n - 4, &b, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

// A KeyValue (common.proto) whose value is a string, bool, int64 or double:
// `type` is that alternative's AttributeValue index (0 to 3), `text` the
// string and `scalar` the bool, the int64 or the bits of the double. Both
// strings must be valid UTF-8.
struct ScalarKeyValue {
  std::string_view key;
  std::string_view text;
  std::uint8_t type = 0;
  std::uint64_t scalar = 0;

  // Bytes of the AnyValue message, of the KeyValue message (proto3 leaves out
  // an empty key) and of the KeyValue as a length-delimited field (< 16) of
  // its parent message.
  struct Sizes {
    std::size_t value;
    std::size_t key_value;
    std::size_t field;
  };
  Sizes sizes() const noexcept {
    std::size_t value;
    switch (type) {
      case 0:
        value = 1 + varint_size(text.size()) + text.size();
        break;
      case 1:
        value = 2;
        break;
      case 2:
        value = 1 + varint_size(scalar);
        break;
      default:
        value = 9;
        break;
    }
    const std::size_t key_field = key.empty() ? 0 : 1 + varint_size(key.size()) + key.size();
    const std::size_t key_value = key_field + 1 + varint_size(value) + value;
    return {value, key_value, 1 + varint_size(key_value) + key_value};
  }
  std::size_t field_size() const noexcept { return sizes().field; }

  // Writes the KeyValue as field `field` (< 16) at `p`, which has
  // `s.field` bytes of room (`s` from sizes()); returns the end. `key_at` and
  // `text_at` receive where the key's and the string's bytes went.
  char* write(char* p, std::uint32_t field, const Sizes& s, char** key_at = nullptr,
              char** text_at = nullptr) const noexcept {
    *p++ = static_cast<char>(field << 3 | 2);
    p = write_varint(p, s.key_value);
    if (!key.empty()) {
      *p++ = 1 << 3 | 2;  // KeyValue.key
      p = write_varint(p, key.size());
    }
    if (key_at != nullptr) *key_at = p;
    copy_short(p, key.data(), key.size());
    p += key.size();
    *p++ = 2 << 3 | 2;  // KeyValue.value
    p = write_varint(p, s.value);
    switch (type) {
      case 0:
        *p++ = 1 << 3 | 2;  // AnyValue.string_value
        p = write_varint(p, text.size());
        if (text_at != nullptr) *text_at = p;
        copy_short(p, text.data(), text.size());
        return p + text.size();
      case 1:
        *p++ = 2 << 3 | 0;  // AnyValue.bool_value
        *p++ = scalar != 0 ? 1 : 0;
        return p;
      case 2:
        *p++ = 3 << 3 | 0;  // AnyValue.int_value
        return write_varint(p, scalar);
      default:
        *p++ = 4 << 3 | 1;  // AnyValue.double_value
        for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(scalar >> (8 * i));
        return p;
    }
  }
  char* write(char* p, std::uint32_t field) const noexcept { return write(p, field, sizes()); }
};

}  // namespace spanline::telemetry::wire
