// Protobuf wire-format writing and reading shared by the OTLP encoder and
// the SDK's packed span attributes (https://protobuf.dev/programming-guides/encoding/).
// Private to the telemetry libraries.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "spanline/telemetry/api/attribute.h"
#include "utf8.h"

namespace spanline::telemetry::wire {

enum WireType : std::uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5
};

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

// The ScalarKeyValue of an attribute whose value is a string, bool, int64 or
// double and whose key and text are valid UTF-8; nullopt for the rest (arrays,
// text to sanitize). It views `a`.
inline std::optional<ScalarKeyValue> scalar_key_value(const Attribute& a) noexcept {
  ScalarKeyValue kv{a.key, {}, static_cast<std::uint8_t>(a.value.index()), 0};
  if (const auto* text = std::get_if<std::string>(&a.value)) {
    if (!detail::is_valid_utf8(*text)) return std::nullopt;
    kv.text = *text;
  } else if (const auto* b = std::get_if<bool>(&a.value)) {
    kv.scalar = *b ? 1 : 0;
  } else if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
    kv.scalar = static_cast<std::uint64_t>(*i);
  } else if (const auto* d = std::get_if<double>(&a.value)) {
    kv.scalar = std::bit_cast<std::uint64_t>(*d);
  } else {
    return std::nullopt;
  }
  if (!detail::is_valid_utf8(kv.key)) return std::nullopt;
  return kv;
}

// Reads untrusted protobuf bytes; every accessor returns false on truncated
// or malformed input and never reads past the end.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : p_(reinterpret_cast<const std::uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const noexcept { return p_ == end_; }

  bool varint(std::uint64_t& v) noexcept {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      // The tenth byte may only carry bit 63.
      if (shift == 63 && b > 1) return false;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool tag(std::uint32_t& field, WireType& type) noexcept {
    std::uint64_t t;
    if (!varint(t) || t > 0xffffffffu) return false;
    field = static_cast<std::uint32_t>(t >> 3);
    type = static_cast<WireType>(t & 7);
    return field != 0;
  }
  bool fixed64(std::uint64_t& v) noexcept {
    if (end_ - p_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return true;
  }
  bool bytes(std::string_view& out) noexcept {
    std::uint64_t n;
    if (!varint(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    out = {reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n)};
    p_ += n;
    return true;
  }
  // Skips the value of a field we do not know, including (deprecated)
  // groups, whose end tag must match the start.
  bool skip(std::uint32_t field, WireType type, int depth = 0) noexcept {
    std::uint64_t v;
    std::string_view s;
    switch (type) {
      case kVarint:
        return varint(v);
      case kFixed64:
        return advance(8);
      case kFixed32:
        return advance(4);
      case kLen:
        return bytes(s);
      case kStartGroup: {
        if (depth >= 32) return false;
        for (;;) {
          std::uint32_t f;
          WireType t;
          if (!tag(f, t)) return false;
          if (t == kEndGroup) return f == field;
          if (!skip(f, t, depth + 1)) return false;
        }
      }
      default:
        return false;  // stray end-group or reserved wire types 6, 7
    }
  }

 private:
  bool advance(std::size_t n) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

}  // namespace spanline::telemetry::wire
