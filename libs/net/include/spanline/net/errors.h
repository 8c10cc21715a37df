// Errors the HTTP layer reports as values: client calls never throw for
// timeouts, refused connections or bad URLs, and Server::start reports bind
// failures. Operating-system errors (connection refused, reset, ...) keep
// their system category; these are the layer's own.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace spanline::net {

enum class Error {
  kTimeout = 1,        // no complete response within the request timeout
  kConnectTimeout,     // no TCP connection within the connect timeout
  kInvalidUrl,         // not an absolute URL with a host
  kUnsupportedScheme,  // only http:// is spoken (no TLS in this layer)
  kResponseTooLarge,   // response body beyond ClientOptions::max_response_body
  kBadResponse,        // the peer did not answer in HTTP/1.x
  kInvalidOptions,     // an options struct failed validate()
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(Error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// kTimeout or kConnectTimeout.
bool is_timeout(const boost::system::error_code& ec) noexcept;

}  // namespace spanline::net

template <>
struct boost::system::is_error_code_enum<spanline::net::Error> : std::true_type {};
