// Appending JSON string literals by hand, for the layer's error bodies and
// log lines (cheaper than building Boost.JSON values on those paths).
#pragma once

#include <string>
#include <string_view>

namespace spanline::net::detail {

// Appends `s` as a JSON string (quotes included). Control characters are
// escaped; invalid UTF-8 bytes become U+FFFD so the output is always valid
// JSON whatever a client sent.
void append_json_string(std::string& out, std::string_view s);

}  // namespace spanline::net::detail
