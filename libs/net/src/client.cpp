#include "spanline/net/client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <strings.h>
#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "client_span.h"
#include "connection_pool.h"
#include "spanline/telemetry/api/ids.h"
#include "tracer_cache.h"
#include "url_parts.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;

bool is_retryable(const ClientResult& result) {
  if (!result) {
    const auto& ec = result.error();
    return ec != Error::kInvalidUrl && ec != Error::kUnsupportedScheme &&
           ec != Error::kResponseTooLarge && ec != Error::kBadResponse;
  }
  const int s = result->status;
  return s == 429 || s == 502 || s == 503 || s == 504;
}

// Retry-After in seconds (RFC 9110 §10.2.3; the HTTP-date form is ignored).
std::optional<std::chrono::milliseconds> retry_after(const ClientResult& result) {
  if (!result) return std::nullopt;
  auto value = result->header("retry-after");
  if (!value) return std::nullopt;
  unsigned seconds = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  if (ec != std::errc() || end != value->data() + value->size()) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// initial * 2^(retry-1), capped, ±25% jitter; a server's Retry-After wins
// when it asks for longer, within max_backoff.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry,
                                  const ClientResult& result) {
  auto delay = policy.initial_backoff;
  for (int i = 1; i < retry && delay < policy.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, policy.max_backoff);
  const auto quarter = delay.count() / 4;
  if (quarter > 0) {
    const auto jitter = static_cast<std::int64_t>(telemetry::random_u64() %
                                                  static_cast<std::uint64_t>(2 * quarter + 1));
    delay += std::chrono::milliseconds(jitter - quarter);
  }
  if (auto asked = retry_after(result))
    delay = std::max(delay, std::min(*asked, policy.max_backoff));
  return delay;
}

}  // namespace

std::optional<std::string> ClientOptions::validate() const {
  if (connect_timeout.count() <= 0) return "connect_timeout must be positive";
  if (request_timeout.count() <= 0) return "request_timeout must be positive";
  if (retry.max_attempts < 1) return "retry.max_attempts must be at least 1";
  if (retry.initial_backoff.count() < 0 || retry.max_backoff < retry.initial_backoff)
    return "retry backoff must satisfy 0 <= initial_backoff <= max_backoff";
  if (max_response_body == 0) return "max_response_body must be positive";
  return std::nullopt;
}

std::optional<std::string_view> ClientResponse::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), name.size()) == 0) return v;
  return std::nullopt;
}

struct Client::Impl {
  ClientOptions options;
  detail::TracerCache tracer;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  if (auto problem = options.validate()) throw std::invalid_argument("ClientOptions: " + *problem);
  impl_->options = std::move(options);
}

Client::~Client() = default;

const ClientOptions& Client::options() const noexcept {
  return impl_->options;
}

asio::awaitable<ClientResult> Client::get(std::string url, const Request& parent,
                                          CallOptions options) {
  ClientRequest request(Method::kGet, std::move(url), std::string(), options);
  co_return co_await send(std::move(request), parent.telemetry_context());
}

asio::awaitable<ClientResult> Client::post(std::string url, std::string body, const Request& parent,
                                           CallOptions options) {
  ClientRequest request(Method::kPost, std::move(url), std::move(body), options);
  co_return co_await send(std::move(request), parent.telemetry_context());
}

asio::awaitable<ClientResult> Client::send(ClientRequest request, const Request& parent) {
  co_return co_await send(std::move(request), parent.telemetry_context());
}

// One CLIENT span per physical request; retries (when the method or the
// call allows them) get their own span with http.request.resend_count.
asio::awaitable<ClientResult> Client::send(ClientRequest request, telemetry::Context parent) {
  const ClientOptions& o = impl_->options;
  detail::UrlParts url;
  if (auto ec = detail::parse_url(request.url, url)) co_return ec;

  Headers trace_headers;
  detail::OutgoingRequest out;
  out.method = request.method;
  out.host = url.host;
  out.port = url.port;
  out.host_header = url.host_header;
  out.target = url.target;
  out.body = request.body;
  out.content_type = request.options.content_type;
  out.user_agent = o.user_agent;
  out.headers = request.options.headers;
  out.trace_headers = &trace_headers;
  const detail::TransportLimits limits{o.connect_timeout,
                                       request.options.timeout.value_or(o.request_timeout),
                                       o.max_response_body, o.max_idle_per_host, o.idle_timeout};

  const bool may_retry = is_idempotent(request.method) || request.options.retryable;
  const int attempts = may_retry ? o.retry.max_attempts : 1;
  for (int attempt = 0;; ++attempt) {
    detail::ClientSpan span;
    if (o.instrument)
      span.start(impl_->tracer.get(), request.method, url, parent, attempt, trace_headers);
    ClientResult result = co_await detail::ConnectionPool::exchange(out, limits);
    span.finish(result);
    span.end();
    if (attempt + 1 >= attempts || !is_retryable(result)) co_return result;
    asio::steady_timer pause(co_await asio::this_coro::executor,
                             backoff(o.retry, attempt + 1, result));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace spanline::net
