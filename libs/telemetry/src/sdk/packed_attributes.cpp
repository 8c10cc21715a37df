#include "sdk/packed_attributes.h"

#include <bit>
#include <cstring>

#include "sdk/span_data_pool.h"
#include "utf8.h"

namespace spanline::telemetry::detail {
namespace {

// Wire format: https://protobuf.dev/programming-guides/encoding/.
constexpr char kSpanAttributes = 9 << 3 | 2;  // Span.attributes, LEN
constexpr char kKey = 1 << 3 | 2;             // KeyValue.key
constexpr char kValue = 2 << 3 | 2;           // KeyValue.value
constexpr char kAnyValueTags[] = {
    1 << 3 | 2,  // string_value, LEN
    2 << 3 | 0,  // bool_value, VARINT
    3 << 3 | 0,  // int_value, VARINT
    4 << 3 | 1,  // double_value, I64
};

std::size_t varint_size(std::uint64_t v) noexcept {
  return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}

char* write_varint(char* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

}  // namespace

PackResult pack_attribute(SpanData& span, std::string_view key, std::string_view text,
                          std::uint8_t type, std::uint64_t scalar, std::size_t count_limit) {
  auto& packed = span.packed_attributes;
  for (const auto& e : packed.entries) {
    if (e.key_size == key.size() &&
        std::memcmp(packed.bytes.data() + e.key_at, key.data(), key.size()) == 0)
      return PackResult::kUnpackable;  // a replacement: rare, done on objects
  }
  if (packed.entries.size() >= count_limit) return PackResult::kDropped;
  if (!is_valid_utf8(key) || (type == 0 && !is_valid_utf8(text)))
    return PackResult::kUnpackable;  // the encoder's substitution applies to objects

  std::size_t value_size;  // of the AnyValue message
  switch (type) {
    case 0:
      value_size = 1 + varint_size(text.size()) + text.size();
      break;
    case 1:
      value_size = 2;
      break;
    case 2:
      value_size = 1 + varint_size(scalar);
      break;
    default:
      value_size = 9;
      break;
  }
  // proto3 leaves out an empty key.
  const std::size_t key_field = key.empty() ? 0 : 1 + varint_size(key.size()) + key.size();
  const std::size_t kv_size = key_field + 1 + varint_size(value_size) + value_size;
  const std::size_t total = 1 + varint_size(kv_size) + kv_size;
  if (packed.bytes.size() + total > UINT32_MAX) return PackResult::kUnpackable;

  const std::size_t at = packed.bytes.size();
  packed.entries.emplace_back();  // may throw: nothing written yet
  packed.bytes.resize(at + total);
  SpanData::PackedAttributes::Entry& e = packed.entries.back();
  e.type = type;
  e.scalar = scalar;
  char* const base = packed.bytes.data();
  char* p = base + at;
  *p++ = kSpanAttributes;
  p = write_varint(p, kv_size);
  if (!key.empty()) {
    *p++ = kKey;
    p = write_varint(p, key.size());
    e.key_at = static_cast<std::uint32_t>(p - base);
    std::memcpy(p, key.data(), key.size());
    p += key.size();
  } else {
    e.key_at = static_cast<std::uint32_t>(p - base);
  }
  e.key_size = static_cast<std::uint32_t>(key.size());
  *p++ = kValue;
  p = write_varint(p, value_size);
  *p++ = kAnyValueTags[type];
  switch (type) {
    case 0:
      p = write_varint(p, text.size());
      e.value_at = static_cast<std::uint32_t>(p - base);
      e.value_size = static_cast<std::uint32_t>(text.size());
      std::memcpy(p, text.data(), text.size());
      break;
    case 1:
      *p = scalar != 0 ? 1 : 0;
      break;
    case 2:
      write_varint(p, scalar);
      break;
    default:
      for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(scalar >> (8 * i));
      break;
  }
  return PackResult::kPacked;
}

void unpack_attributes(SpanData& span) {
  auto& packed = span.packed_attributes;
  if (packed.entries.empty()) return;
  auto& attrs = span.attributes;
  attrs.reserve(attrs.size() + packed.entries.size());
  for (const auto& e : packed.entries) {
    const std::string_view key(packed.bytes.data() + e.key_at, e.key_size);
    Attribute& a = append_attribute(attrs, &span.spare_attributes, key);
    switch (e.type) {
      case 0: {
        const std::string_view text(packed.bytes.data() + e.value_at, e.value_size);
        if (auto* s = std::get_if<std::string>(&a.value))
          s->assign(text);
        else
          a.value.emplace<std::string>(text);
        break;
      }
      case 1:
        a.value = e.scalar != 0;
        break;
      case 2:
        a.value = static_cast<std::int64_t>(e.scalar);
        break;
      default:
        a.value = std::bit_cast<double>(e.scalar);
        break;
    }
  }
  packed.entries.clear();
  packed.bytes.clear();
}

}  // namespace spanline::telemetry::detail
