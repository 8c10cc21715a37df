// The collector's HTTP listeners (otlp receiver, health_check, /metrics): a
// libs/net Server without tracing — the collector does not trace itself —
// on a "host:port" endpoint.
#pragma once

#include <memory>
#include <string>

#include "spanline/net/router.h"
#include "spanline/net/server.h"

namespace spanline::collector {

// Starts a server for `router` on `endpoint` (an empty host listens on all
// addresses), with `options` for everything but address, port and
// instrumentation. Throws std::runtime_error("cannot listen on <endpoint>:
// <why>") when the endpoint is malformed or cannot be bound.
std::unique_ptr<net::Server> start_http_server(const std::string& endpoint, net::Router router,
                                               net::ServerOptions options);

// A started-on-demand listener for the collector's own small endpoints
// (one I/O thread).
class HttpEndpoint {
 public:
  // `what` names the owner in errors ("extension health_check").
  HttpEndpoint(std::string what, std::string endpoint, net::Router router);
  ~HttpEndpoint();
  // Throws std::runtime_error("extension health_check: cannot listen on …").
  void start();
  void shutdown() noexcept;
  std::uint16_t port() const noexcept;

 private:
  std::string what_;
  std::string endpoint_;
  net::Router router_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace spanline::collector
