// HTTP request methods as the router and client name them.
#pragma once

#include <cstdint>
#include <string_view>

namespace spanline::net {

// The methods of RFC 9110 §9 and PATCH (RFC 5789). Anything else a client
// sends is kOther; its spelling stays available on the Request.
enum class Method : std::uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kPatch,
  kOptions,
  kConnect,
  kTrace,
  kOther,
};

// "GET", "POST", ...; "_OTHER" for kOther (the semantic-convention value).
std::string_view to_string(Method method) noexcept;

// Case-sensitive, as methods are (RFC 9110 §9.1). Unknown → kOther.
Method parse_method(std::string_view name) noexcept;

// Safe methods plus PUT and DELETE (RFC 9110 §9.2.2): a retry cannot repeat
// a side effect.
bool is_idempotent(Method method) noexcept;

}  // namespace spanline::net
