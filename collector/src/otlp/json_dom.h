// JSON text → Boost.JSON DOM, as boost::json::parser builds it but with
// doubles correctly rounded. Boost.JSON 1.81 converts decimal to binary
// approximately (about a third of random doubles come back one ulp off),
// which would change attribute values on their way through the collector;
// std::from_chars is exact.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace spanline::collector {

// Parses one complete JSON text (RFC 8259: whitespace around it, nothing
// else) into `out`, allocating from out.storage(). Arrays and objects nested
// deeper than `max_depth` are an error, found before any recursion. Numbers
// past the double range keep Boost.JSON's reading (±infinity, or zero).
// On failure returns false and sets `error` to "invalid JSON at byte N:
// <reason>".
bool parse_json_dom(std::string_view text, std::size_t max_depth, boost::json::value& out,
                    std::string& error);

}  // namespace spanline::collector
