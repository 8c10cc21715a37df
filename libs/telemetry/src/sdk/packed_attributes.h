// Span attributes written straight into OTLP protobuf form as they are set
// (see SpanData::PackedAttributes), and read back into Attribute objects.
#pragma once

#include <cstring>
#include <string_view>

#include "protobuf_wire.h"
#include "utf8.h"

#include "spanline/telemetry/sdk/span_data.h"

namespace spanline::telemetry::detail {

enum class PackResult {
  kPacked,
  kDropped,    // at the attribute count limit: the caller counts it
  kUnpackable  // the key is set already, or text is not valid UTF-8: use `attributes`
};

// Appends one attribute whose value is a string (index 0), bool (1), int64
// (2) or double (3) to span.packed_attributes. The string is already cut to
// the length limit. Only for a span whose `attributes` is empty.
// Inline: it is on every attribute a server span sets.
inline PackResult pack_attribute(SpanData& span, std::string_view key, std::string_view text,
                                 std::uint8_t type, std::uint64_t scalar, std::size_t count_limit);

// Moves packed attributes into span.attributes, in the order they were set.
void unpack_attributes(SpanData& span);

[[gnu::always_inline]] inline PackResult pack_attribute(SpanData& span, std::string_view key,
                                                        std::string_view text, std::uint8_t type,
                                                        std::uint64_t scalar,
                                                        std::size_t count_limit) {
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

}  // namespace spanline::telemetry::detail
