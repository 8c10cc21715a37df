// bearertokenauth: the server side checks a request's header in constant
// time; the client side adds it to outgoing exports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.h"

namespace spanline::collector {

class BearerTokenAuth {
 public:
  explicit BearerTokenAuth(BearerTokenAuthConfig config);

  // The header a client sends: {"Authorization", "Bearer <token>"}.
  std::pair<std::string, std::string> client_header() const;
  const std::string& header_name() const noexcept { return config_.header; }
  // True when `value` (the header's value, absent → nullopt) carries the
  // token. The comparison takes the same time wherever the first mismatch
  // is, so the token cannot be guessed byte by byte.
  bool authenticate(std::optional<std::string_view> value) const noexcept;

 private:
  BearerTokenAuthConfig config_;
  std::string expected_;
};

}  // namespace spanline::collector
