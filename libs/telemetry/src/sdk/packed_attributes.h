// Span attributes written straight into OTLP protobuf form as they are set
// (see SpanData::PackedAttributes), and read back into Attribute objects.
#pragma once

#include <string_view>

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
PackResult pack_attribute(SpanData& span, std::string_view key, std::string_view text,
                          std::uint8_t type, std::uint64_t scalar, std::size_t count_limit);

// Moves packed attributes into span.attributes, in the order they were set.
void unpack_attributes(SpanData& span);

}  // namespace spanline::telemetry::detail
