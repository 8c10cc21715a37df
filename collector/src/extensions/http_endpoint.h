// A small HTTP listener for the collector's own endpoints (health_check,
// /metrics): a libs/net Server without tracing on a "host:port" endpoint.
#pragma once

#include <memory>
#include <string>

#include "spanline/net/router.h"
#include "spanline/net/server.h"

namespace spanline::collector {

class HttpEndpoint {
 public:
  // `what` names the owner in errors ("extension health_check").
  HttpEndpoint(std::string what, const std::string& endpoint, net::Router router);
  ~HttpEndpoint();
  // Throws std::runtime_error("extension health_check: cannot listen on …").
  void start();
  void shutdown() noexcept;
  std::uint16_t port() const noexcept;

 private:
  std::string what_;
  std::string endpoint_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace spanline::collector
