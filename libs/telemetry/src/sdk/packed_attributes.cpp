#include "sdk/packed_attributes.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "protobuf_wire.h"
#include "sdk/span_data_pool.h"
#include "utf8.h"

namespace spanline::telemetry::detail {

PackResult pack_attribute(SpanData& span, std::string_view key, std::string_view text,
                          std::uint8_t type, std::uint64_t scalar, std::size_t count_limit) {
  auto& packed = span.packed_attributes;
  const std::uint64_t size_bit = std::uint64_t{1} << (key.size() % 64);
  if ((packed.key_sizes & size_bit) != 0) {
    for (const auto& e : packed.entries) {
      if (e.key_size == key.size() &&
          std::memcmp(packed.bytes.data() + e.key_at, key.data(), key.size()) == 0)
        return PackResult::kUnpackable;  // a replacement: rare, done on objects
    }
  }
  if (packed.entries.size() >= count_limit) return PackResult::kDropped;
  if (!is_valid_utf8_short(key) || (type == 0 && !is_valid_utf8_short(text)))
    return PackResult::kUnpackable;  // the encoder's substitution applies to objects

  const wire::ScalarKeyValue kv{key, text, type, scalar};
  const wire::ScalarKeyValue::Sizes sizes = kv.sizes();
  const std::size_t at = packed.bytes.size();
  if (at + sizes.field > UINT32_MAX) return PackResult::kUnpackable;

  packed.entries.emplace_back();  // may throw: nothing written yet
  char* p;
  try {
    p = packed.bytes.extend(sizes.field);
  } catch (...) {
    packed.entries.pop_back();
    throw;
  }
  char* const base = packed.bytes.data();
  SpanData::PackedAttributes::Entry& e = packed.entries.back();
  e.type = type;
  e.scalar = scalar;
  char* key_at = nullptr;
  char* text_at = nullptr;
  kv.write(p, 9, sizes, &key_at, &text_at);  // Span.attributes
  e.key_at = static_cast<std::uint32_t>(key_at - base);
  e.key_size = static_cast<std::uint32_t>(key.size());
  if (text_at != nullptr) {
    e.value_at = static_cast<std::uint32_t>(text_at - base);
    e.value_size = static_cast<std::uint32_t>(text.size());
  }
  packed.key_sizes |= size_bit;
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
  packed.clear();
}

}  // namespace spanline::telemetry::detail
