#include "extensions/http_endpoint.h"

#include <stdexcept>

#include "config/config.h"

namespace spanline::collector {

HttpEndpoint::HttpEndpoint(std::string what, const std::string& endpoint, net::Router router)
    : what_(std::move(what)), endpoint_(endpoint) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_endpoint(endpoint, host, port))
    throw std::invalid_argument(what_ + ": endpoint \"" + endpoint + "\" is not host:port");
  net::ServerOptions o;
  o.address = host.empty() ? "0.0.0.0" : host;
  o.port = port;
  o.threads = 1;
  o.instrument = false;
  server_ = std::make_unique<net::Server>(std::move(router), o);
}

HttpEndpoint::~HttpEndpoint() {
  shutdown();
}

void HttpEndpoint::start() {
  if (auto r = server_->start(); !r)
    throw std::runtime_error(what_ + ": cannot listen on " + endpoint_ + ": " +
                             r.error().message());
}

void HttpEndpoint::shutdown() noexcept {
  server_->shutdown(std::chrono::milliseconds(1000));
}

std::uint16_t HttpEndpoint::port() const noexcept {
  return server_->port();
}

}  // namespace spanline::collector
