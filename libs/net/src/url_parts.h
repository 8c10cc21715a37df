// An outgoing request's URL split into what the transport and the span need.
#pragma once

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace spanline::net::detail {

// Views into the parsed URL string (which must outlive this) or into this
// object's own storage: neither copyable nor movable.
struct UrlParts {
  UrlParts() = default;
  UrlParts(const UrlParts&) = delete;
  UrlParts& operator=(const UrlParts&) = delete;

  std::string_view host;         // IPv6 without brackets
  std::uint16_t port = 80;       //
  std::string_view host_header;  // authority without userinfo: "host:port", "[::1]:8080"
  std::string_view target;       // "/path?query", at least "/"
  std::string_view full;         // url.full: the URL, credentials redacted

 private:
  friend boost::system::error_code parse_url(std::string_view url, UrlParts& out);
  std::string target_storage_;
  std::string full_storage_;
};

// Accepts absolute http:// URLs with a host. Errors: Error::kInvalidUrl,
// Error::kUnsupportedScheme.
boost::system::error_code parse_url(std::string_view url, UrlParts& out);

}  // namespace spanline::net::detail
