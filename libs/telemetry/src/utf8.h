// UTF-8 checks for proto3 `string` fields and JSON text. Private to the
// telemetry libraries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spanline::telemetry::detail {

// Well-formed UTF-8 per RFC 3629 (no overlongs, surrogates or values past
// U+10FFFF). proto3 `string` fields must hold it: strict receivers (Go's
// protobuf runtime, libprotobuf) reject the whole request otherwise.
bool is_valid_utf8(std::string_view s) noexcept;
// Copies `s` with each maximal ill-formed subsequence replaced by U+FFFD
// (Unicode §3.9, "substitution of maximal subparts").
std::string sanitize_utf8(std::string_view s);

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it
// is ill-formed; `s` must not be empty. For a 0 result, `*bad_len` receives
// the length of the maximal ill-formed subpart to replace.
std::size_t utf8_sequence_length(std::string_view s, std::size_t* bad_len) noexcept;

}  // namespace spanline::telemetry::detail
