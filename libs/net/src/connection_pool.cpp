#include "connection_pool.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>

namespace spanline::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

beast::string_view bv(std::string_view s) noexcept {
  return {s.data(), s.size()};
}

http::verb to_verb(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return http::verb::get;
    case Method::kHead:
      return http::verb::head;
    case Method::kPost:
      return http::verb::post;
    case Method::kPut:
      return http::verb::put;
    case Method::kDelete:
      return http::verb::delete_;
    case Method::kPatch:
      return http::verb::patch;
    case Method::kOptions:
      return http::verb::options;
    case Method::kConnect:
      return http::verb::connect;
    case Method::kTrace:
      return http::verb::trace;
    case Method::kOther:
      break;
  }
  return http::verb::get;
}

// What a server's close of an idle keep-alive connection looks like when
// we reuse it: nothing of our request was answered.
bool connection_dropped(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

boost::system::error_code transport_error(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return Error::kTimeout;
  if (ec == http::error::body_limit) return Error::kResponseTooLarge;
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message &&
      ec != http::error::short_read)
    return Error::kBadResponse;
  return ec;
}

http::request<http::string_body> build(const OutgoingRequest& r) {
  http::request<http::string_body> req(to_verb(r.method), bv(r.target), 11);
  req.set(http::field::host, bv(r.host_header));
  if (!r.user_agent.empty()) req.set(http::field::user_agent, bv(r.user_agent));
  for (const Header& h : r.headers) req.set(bv(h.name), bv(h.value));
  if (r.trace_headers != nullptr)
    for (const auto& [name, value] : *r.trace_headers) req.set(name, value);
  if (!r.body.empty() || r.method == Method::kPost || r.method == Method::kPut ||
      r.method == Method::kPatch) {
    if (!r.content_type.empty()) req.set(http::field::content_type, bv(r.content_type));
    req.body().assign(r.body);
  }
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

ClientResponse to_client_response(http::response<http::string_body>&& msg) {
  ClientResponse out;
  out.status = static_cast<int>(msg.result_int());
  out.body = std::move(msg.body());
  out.headers.reserve(8);
  for (const auto& field : msg)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

}  // namespace

struct Connection {
  explicit Connection(const asio::any_io_executor& executor) : stream(executor) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since;
};

namespace {

asio::awaitable<boost::system::result<std::unique_ptr<Connection>>> connect(
    const OutgoingRequest& r, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  char port[8];
  auto [end, ec0] = std::to_chars(port, port + sizeof port, r.port);
  tcp::resolver resolver(executor);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(bv(r.host), beast::string_view(port, end - port), kNoThrow);
  if (rec) co_return rec;
  auto connection = std::make_unique<Connection>(executor);
  connection->stream.expires_after(timeout);
  auto [cec, endpoint] = co_await connection->stream.async_connect(endpoints, kNoThrow);
  if (cec == beast::error::timeout) co_return make_error_code(Error::kConnectTimeout);
  if (cec) co_return cec;
  boost::system::error_code ignored;
  connection->stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return connection;
}

}  // namespace

asio::execution_context::id ConnectionPool::id;

ConnectionPool::ConnectionPool(asio::execution_context& context) : service(context) {}
ConnectionPool::~ConnectionPool() = default;

void ConnectionPool::shutdown() {
  std::lock_guard lock(mu_);
  hosts_.clear();
}

std::unique_ptr<Connection> ConnectionPool::take(std::string_view host, std::uint16_t port,
                                                 std::chrono::milliseconds max_idle) {
  std::unique_ptr<Connection> c;
  {
    std::lock_guard lock(mu_);
    for (Host& h : hosts_) {
      if (h.port != port || h.name != host) continue;
      const auto oldest_usable = SteadyClock::now() - max_idle;
      // Everything before a stale connection is staler still.
      while (!h.idle.empty() && !c) {
        c = std::move(h.idle.back());
        h.idle.pop_back();
        if (c->idle_since < oldest_usable) {
          h.idle.clear();
          c.reset();
        }
      }
      break;
    }
  }
  if (!c) return c;
  // A peer that closed (0) or sent something unasked (> 0) leaves the
  // connection unusable; EAGAIN means it is quietly open.
  char byte;
  const ssize_t n = ::recv(c->stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.reset();
  return c;
}

void ConnectionPool::give_back(std::string_view host, std::uint16_t port,
                               std::unique_ptr<Connection> connection,
                               std::size_t max_idle_per_host) {
  connection->idle_since = SteadyClock::now();
  std::lock_guard lock(mu_);
  Host* target = nullptr;
  for (Host& h : hosts_)
    if (h.port == port && h.name == host) target = &h;
  if (target == nullptr) {
    target = &hosts_.emplace_back();
    target->name = std::string(host);
    target->port = port;
  }
  if (target->idle.size() < max_idle_per_host) target->idle.push_back(std::move(connection));
}

asio::awaitable<ClientResult> ConnectionPool::exchange(const OutgoingRequest& r,
                                                       const TransportLimits& limits) {
  auto executor = co_await asio::this_coro::executor;
  ConnectionPool& pool =
      asio::use_service<ConnectionPool>(asio::query(executor, asio::execution::context));
  http::request<http::string_body> request = build(r);
  // Round 0 may use a pooled connection; round 1 exists only to replace one
  // that the server had closed.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Connection> c =
        round == 0 ? pool.take(r.host, r.port, limits.idle_timeout) : nullptr;
    const bool reused = c != nullptr;
    if (!c) {
      auto connected = co_await connect(r, limits.connect_timeout);
      if (!connected) co_return connected.error();
      c = std::move(*connected);
    }
    c->stream.expires_after(limits.request_timeout);
    auto [wec, wn] = co_await http::async_write(c->stream, request, kNoThrow);
    if (wec) {
      if (reused && connection_dropped(wec)) continue;
      co_return transport_error(wec);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(limits.max_response_body);
    if (r.method == Method::kHead) parser.skip(true);
    auto [rec, rn] = co_await http::async_read(c->stream, c->buffer, parser, kNoThrow);
    if (rec) {
      if (reused && connection_dropped(rec)) continue;
      co_return transport_error(rec);
    }
    const bool keep = parser.get().keep_alive() && !parser.need_eof();
    ClientResponse response = to_client_response(parser.release());
    if (keep) {
      c->stream.expires_never();
      pool.give_back(r.host, r.port, std::move(c), limits.max_idle_per_host);
    }
    co_return response;
  }
  co_return make_error_code(Error::kBadResponse);  // unreachable: round 1 never continues
}

}  // namespace spanline::net::detail
