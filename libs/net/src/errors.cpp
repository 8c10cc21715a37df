#include "spanline/net/errors.h"

#include <string>

namespace spanline::net {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "spanline.net"; }
  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::kTimeout:
        return "request timed out";
      case Error::kConnectTimeout:
        return "connect timed out";
      case Error::kInvalidUrl:
        return "invalid URL";
      case Error::kUnsupportedScheme:
        return "unsupported URL scheme (only http)";
      case Error::kResponseTooLarge:
        return "response body too large";
      case Error::kBadResponse:
        return "malformed HTTP response";
      case Error::kInvalidOptions:
        return "invalid options";
    }
    return "unknown spanline.net error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

bool is_timeout(const boost::system::error_code& ec) noexcept {
  return ec == Error::kTimeout || ec == Error::kConnectTimeout;
}

}  // namespace spanline::net
