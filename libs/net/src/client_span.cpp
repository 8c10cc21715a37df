#include "client_span.h"

#include <boost/asio/error.hpp>

#include <strings.h>
#include <charconv>

#include "spanline/telemetry/api/propagation.h"

namespace spanline::net::detail {
namespace {

namespace asio = boost::asio;

// Replaces a header of the same name (case-insensitively) or appends one.
class HeadersSetter final : public telemetry::TextMapSetter {
 public:
  explicit HeadersSetter(Headers& headers) noexcept : headers_(headers) {}
  void set(std::string_view name, std::string_view value) override {
    for (auto& [n, v] : headers_) {
      if (n.size() == name.size() && strncasecmp(n.data(), name.data(), name.size()) == 0) {
        v.assign(value);
        return;
      }
    }
    headers_.emplace_back(std::string(name), std::string(value));
  }

 private:
  Headers& headers_;
};

}  // namespace

std::string_view error_type(const boost::system::error_code& ec) noexcept {
  if (ec == Error::kTimeout) return "timeout";
  if (ec == Error::kConnectTimeout) return "connect_timeout";
  if (ec == Error::kResponseTooLarge) return "response_too_large";
  if (ec == Error::kBadResponse) return "bad_response";
  if (ec == asio::error::connection_refused) return "connection_refused";
  if (ec == asio::error::connection_reset) return "connection_reset";
  if (ec == asio::error::eof || ec == asio::error::broken_pipe) return "connection_closed";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again)
    return "name_resolution_error";
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable)
    return "unreachable";
  return "_OTHER";
}

void ClientSpan::start(telemetry::Tracer& tracer, Method method, const UrlParts& url,
                       const telemetry::Context& parent, int resend_count, Headers& trace_headers) {
  const std::string_view method_name = to_string(method);
  span_ = tracer.start_span(method == Method::kOther ? std::string_view("HTTP") : method_name,
                            telemetry::SpanKind::kClient, parent);
  trace_headers.clear();
  HeadersSetter setter(trace_headers);
  telemetry::global_propagator().inject(span_.context_for_children(parent), setter);
  if (!span_.is_recording()) return;
  span_.set_attribute("http.request.method", method_name);
  span_.set_attribute("server.address", url.host);
  span_.set_attribute("server.port", static_cast<std::int64_t>(url.port));
  span_.set_attribute("url.full", url.full);
  span_.set_attribute("network.protocol.version", "1.1");
  if (resend_count > 0)
    span_.set_attribute("http.request.resend_count", static_cast<std::int64_t>(resend_count));
}

void ClientSpan::finish(const ClientResult& result) noexcept {
  if (!span_.is_recording()) return;
  try {
    if (!result) {
      span_.set_attribute("error.type", error_type(result.error()));
      span_.set_status(telemetry::StatusCode::kError, result.error().message());
      return;
    }
    const int status = result->status;
    span_.set_attribute("http.response.status_code", static_cast<std::int64_t>(status));
    if (status >= 400) {
      char buf[8];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, status);
      span_.set_attribute("error.type", std::string_view(buf, end - buf));
      span_.set_status(telemetry::StatusCode::kError);
    }
  } catch (...) {
  }
}

}  // namespace spanline::net::detail
