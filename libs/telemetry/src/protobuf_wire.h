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

inline std::size_t varint_size(std::uint64_t v) noexcept {
  return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}

inline char* write_varint(char* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
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

  // Bytes of the AnyValue message.
  std::size_t value_size() const noexcept {
    switch (type) {
      case 0:
        return 1 + varint_size(text.size()) + text.size();
      case 1:
        return 2;
      case 2:
        return 1 + varint_size(scalar);
      default:
        return 9;
    }
  }
  // Bytes of the KeyValue message; proto3 leaves out an empty key.
  std::size_t size() const noexcept {
    const std::size_t key_field = key.empty() ? 0 : 1 + varint_size(key.size()) + key.size();
    const std::size_t value = value_size();
    return key_field + 1 + varint_size(value) + value;
  }
  // Bytes of the KeyValue as field `field` (< 16) of its parent message.
  std::size_t field_size() const noexcept {
    const std::size_t n = size();
    return 1 + varint_size(n) + n;
  }

  // Writes the KeyValue as field `field` (< 16, length-delimited) at `p`,
  // which has field_size() bytes of room; returns the end. `key_at` and
  // `text_at` receive where the key's and the string's bytes went.
  char* write(char* p, std::uint32_t field, char** key_at = nullptr,
              char** text_at = nullptr) const noexcept {
    const std::size_t value = value_size();
    *p++ = static_cast<char>(field << 3 | 2);
    p = write_varint(p, size());
    if (key_at != nullptr) *key_at = p + (key.empty() ? 0 : 1 + varint_size(key.size()));
    if (!key.empty()) {
      *p++ = 1 << 3 | 2;  // KeyValue.key
      p = write_varint(p, key.size());
      std::memcpy(p, key.data(), key.size());
      p += key.size();
    }
    *p++ = 2 << 3 | 2;  // KeyValue.value
    p = write_varint(p, value);
    switch (type) {
      case 0:
        *p++ = 1 << 3 | 2;  // AnyValue.string_value
        p = write_varint(p, text.size());
        if (text_at != nullptr) *text_at = p;
        std::memcpy(p, text.data(), text.size());
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
};

}  // namespace spanline::telemetry::wire
