#include "extensions/bearer_token_auth.h"

namespace spanline::collector {

BearerTokenAuth::BearerTokenAuth(BearerTokenAuthConfig config)
    : config_(std::move(config)),
      expected_(config_.scheme.empty() ? config_.token : config_.scheme + " " + config_.token) {}

std::pair<std::string, std::string> BearerTokenAuth::client_header() const {
  return {config_.header, expected_};
}

bool BearerTokenAuth::authenticate(std::optional<std::string_view> value) const noexcept {
  if (!value) return false;
  // Length leaks only the token's length, which the scheme makes public anyway.
  const std::string_view got = *value;
  unsigned char diff = got.size() == expected_.size() ? 0 : 1;
  const std::size_t n = expected_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char g = i < got.size() ? got[i] : '\0';
    diff |= static_cast<unsigned char>(g ^ expected_[i]);
  }
  return diff == 0;
}

}  // namespace spanline::collector
