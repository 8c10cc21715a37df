// health_check: GET <path> on its endpoint answers 200 {"status": "Server
// available", "upSince": ..., "uptime": ...} while the pipelines run and 503
// {"status": "Server not available"} while they start or stop, as the
// Collector's extension does.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "extensions/http_endpoint.h"

namespace spanline::collector {

class HealthCheck {
 public:
  HealthCheck(const std::string& id, HealthCheckConfig config);
  void start() { endpoint_->start(); }
  void shutdown() noexcept { endpoint_->shutdown(); }
  void set_ready(bool ready) noexcept;
  std::uint16_t port() const noexcept { return endpoint_->port(); }

 private:
  net::Response status() const;

  std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  std::string up_since_;  // RFC 3339, guarded by mu_
  std::int64_t up_since_ms_ = 0;
  std::unique_ptr<HttpEndpoint> endpoint_;
};

}  // namespace spanline::collector
