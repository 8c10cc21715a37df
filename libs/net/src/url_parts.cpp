#include "url_parts.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "spanline/net/errors.h"

namespace spanline::net::detail {
namespace {

std::string_view sv(boost::core::string_view s) noexcept {
  return {s.data(), s.size()};
}

}  // namespace

boost::system::error_code parse_url(std::string_view url, UrlParts& out) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!parsed) return make_error_code(Error::kInvalidUrl);
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http) return make_error_code(Error::kUnsupportedScheme);
  if (!u.has_authority() || u.encoded_host().empty()) return make_error_code(Error::kInvalidUrl);

  out.host = sv(u.encoded_host_address());
  out.port = 80;
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) return make_error_code(Error::kInvalidUrl);
    out.port = u.port_number();
  }
  out.host_header = sv(u.encoded_host_and_port());

  const std::string_view target = sv(u.encoded_target());
  if (target.empty() || target.front() != '/') {
    out.target_storage_ = "/";
    out.target_storage_ += target;
    out.target = out.target_storage_;
  } else {
    out.target = target;
  }

  // Semantic conventions: url.full never carries credentials.
  if (u.has_userinfo()) {
    out.full_storage_ = std::string(sv(u.scheme())) + "://REDACTED:REDACTED@" +
                        std::string(out.host_header) + std::string(out.target);
    out.full = out.full_storage_;
  } else {
    out.full = url;
  }
  return {};
}

}  // namespace spanline::net::detail
