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

// The bit a key sets in PackedAttributes::key_bits: from its length and
// its first and last bytes, so semantic-convention keys of one length
// (url.scheme, http.route) seldom share one.
inline std::uint64_t key_bit(std::string_view key) noexcept {
  const unsigned h = key.empty() ? 0U
                                 : static_cast<unsigned>(key.size()) * 7U +
                                       static_cast<unsigned char>(key.front()) * 3U +
                                       static_cast<unsigned char>(key.back());
  return std::uint64_t{1} << (h % 64);
}

// Whether `key` is among the packed keys (by parsing them; see key_bit for
// when it is needed).
bool packed_key_present(const SpanData::PackedAttributes& packed, std::string_view key) noexcept;

[[gnu::always_inline]] inline PackResult pack_attribute(SpanData& span, std::string_view key,
                                                        std::string_view text, std::uint8_t type,
                                                        std::uint64_t scalar,
                                                        std::size_t count_limit) {
  auto& packed = span.packed_attributes;
  const std::uint64_t bit = key_bit(key);
  if ((packed.key_bits & bit) != 0 && packed_key_present(packed, key))
    return PackResult::kUnpackable;  // a replacement: rare, done on objects
  if (packed.count >= count_limit) return PackResult::kDropped;
  if (!is_valid_utf8_short(key) || (type == 0 && !is_valid_utf8_short(text)))
    return PackResult::kUnpackable;  // the encoder's substitution applies to objects

  const wire::ScalarKeyValue kv{key, text, type, scalar};
  const wire::ScalarKeyValue::Sizes sizes = kv.sizes();
  if (packed.bytes.size() + sizes.field > UINT32_MAX) return PackResult::kUnpackable;
  char* const p = packed.bytes.extend(sizes.field);  // may throw: nothing written yet
  kv.write(p, 9, sizes);                             // Span.attributes
  ++packed.count;
  packed.key_bits |= bit;
  return PackResult::kPacked;
}

}  // namespace spanline::telemetry::detail
