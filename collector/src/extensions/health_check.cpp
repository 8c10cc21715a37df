#include "extensions/health_check.h"

#include "spanline/telemetry/api/json_text.h"

namespace spanline::collector {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HealthCheck::HealthCheck(const std::string& id, HealthCheckConfig config) {
  net::Router router;
  router.get(config.path, [this](net::Request&) { return status(); },
             {.instrumentation = net::Instrumentation::kOff});
  endpoint_ = std::make_unique<HttpEndpoint>("extension " + id, config.endpoint, std::move(router));
}

void HealthCheck::set_ready(bool ready) noexcept {
  if (ready) {
    std::string since;
    telemetry::append_utc_timestamp(since);
    std::lock_guard lock(mu_);
    up_since_ = std::move(since);
    up_since_ms_ = now_ms();
  }
  ready_.store(ready);
}

net::Response HealthCheck::status() const {
  if (!ready_.load()) {
    net::Response r;
    r.status = 503;
    r.body = R"({"status":"Server not available"})";
    return r;
  }
  std::lock_guard lock(mu_);
  std::string body = R"({"status":"Server available","upSince":")" + up_since_ + R"(","uptime":")" +
                     std::to_string((now_ms() - up_since_ms_) / 1000) + "s\"}";
  net::Response r;
  r.body = std::move(body);
  return r;
}

}  // namespace spanline::collector
