#include "extensions/http_endpoint.h"

#include <stdexcept>

#include "config/config.h"

namespace spanline::collector {

std::unique_ptr<net::Server> start_http_server(const std::string& endpoint, net::Router router,
                                               net::ServerOptions options) {
  const std::string failure = "cannot listen on " + endpoint + ": ";
  std::string host;
  std::uint16_t port = 0;
  if (!split_endpoint(endpoint, host, port))
    throw std::runtime_error(failure + "not a host:port endpoint");
  options.address = host.empty() ? "0.0.0.0" : host;
  options.port = port;
  options.instrument = false;
  auto server = std::make_unique<net::Server>(std::move(router), options);
  if (auto started = server->start(); !started)
    throw std::runtime_error(failure + started.error().message());
  return server;
}

HttpEndpoint::HttpEndpoint(std::string what, std::string endpoint, net::Router router)
    : what_(std::move(what)), endpoint_(std::move(endpoint)), router_(std::move(router)) {}

HttpEndpoint::~HttpEndpoint() {
  shutdown();
}

void HttpEndpoint::start() {
  net::ServerOptions options;
  options.threads = 1;
  try {
    server_ = start_http_server(endpoint_, std::move(router_), options);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(what_ + ": " + e.what());
  }
}

void HttpEndpoint::shutdown() noexcept {
  if (server_) server_->shutdown(std::chrono::milliseconds(1000));
}

std::uint16_t HttpEndpoint::port() const noexcept {
  return server_ ? server_->port() : 0;
}

}  // namespace spanline::collector
