// The client's transport: one pool of idle keep-alive connections per
// io_context (an Asio service, so the connections die with the io_context
// they are bound to, never after it), keyed by host and port.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/net/client.h"

namespace spanline::net::detail {

// One request as the transport sends it; views stay valid for the call.
struct OutgoingRequest {
  Method method = Method::kGet;
  std::string_view host;         // for the resolver: no brackets around IPv6
  std::uint16_t port = 80;       //
  std::string_view host_header;  // Host: as in the URL's authority
  std::string_view target;       // path and query, never empty
  std::string_view body;
  std::string_view content_type;           // empty: none sent
  std::string_view user_agent;             // empty: none sent
  std::span<const Header> headers;         // the caller's extra headers
  const Headers* trace_headers = nullptr;  // injected trace context
};

struct TransportLimits {
  std::chrono::milliseconds connect_timeout;
  std::chrono::milliseconds request_timeout;
  std::uint64_t max_response_body;
  std::size_t max_idle_per_host;
  std::chrono::milliseconds idle_timeout;
};

struct Connection;

class ConnectionPool final : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  explicit ConnectionPool(boost::asio::execution_context& context);
  ~ConnectionPool() override;

  // Sends `request` over a pooled connection of the awaiting coroutine's
  // io_context (or a new one) and reads the whole response. A reused
  // connection that turns out closed by the server before answering is
  // replaced once, transparently. Errors: Error::kConnectTimeout,
  // kTimeout, kResponseTooLarge, kBadResponse, resolver and socket errors.
  static boost::asio::awaitable<ClientResult> exchange(const OutgoingRequest& request,
                                                       const TransportLimits& limits);

  // An idle connection to host:port, not older than `max_idle` and not
  // closed by its peer; null when there is none.
  std::unique_ptr<Connection> take(std::string_view host, std::uint16_t port,
                                   std::chrono::milliseconds max_idle);
  // Keeps `connection` for reuse unless `max_idle_per_host` are kept already.
  void give_back(std::string_view host, std::uint16_t port, std::unique_ptr<Connection> connection,
                 std::size_t max_idle_per_host);

 private:
  void shutdown() override;

  struct Host {
    std::string name;
    std::uint16_t port = 0;
    std::vector<std::unique_ptr<Connection>> idle;  // most recently used last
  };
  // A Client may be awaited from a strand of a multi-threaded io_context.
  std::mutex mu_;
  std::vector<Host> hosts_;
};

}  // namespace spanline::net::detail
