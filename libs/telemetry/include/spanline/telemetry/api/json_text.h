// Writing JSON text by hand where building Boost.JSON values would cost more
// than the text itself: log lines (the SDK's and the services'), error
// bodies. One implementation, so every JSON line the product writes is valid.
#pragma once

#include <string>
#include <string_view>

namespace spanline::telemetry {

// Appends `s` as a JSON string (quotes included). Control characters are
// escaped; invalid UTF-8 bytes become U+FFFD so the output is always valid
// JSON whatever the input held (RFC 8259 §7, §8.1).
void append_json_string(std::string& out, std::string_view s);

// Appends `bytes` as lowercase hex, two digits a byte (ids held as raw
// bytes, as OTLP messages hold them).
void append_hex(std::string& out, std::string_view bytes);

// Appends the current UTC time as RFC 3339 with milliseconds:
// "2026-11-22T02:45:38.123Z".
void append_utc_timestamp(std::string& out);

}  // namespace spanline::telemetry
