// An OTLP/HTTP destination for the collector's tests: a libs/net server
// that records each POST /v1/traces and answers with a status the test
// sets (503 with Retry-After: 0 to exercise retries).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "spanline/net/server.h"

namespace spanline::collector::testing {

class FakeOtlpSink {
 public:
  struct Received {
    std::string body;
    std::string content_type;
    std::string content_encoding;
    std::string authorization;
  };

  FakeOtlpSink() {
    net::Router router;
    router.post("/v1/traces", [this](net::Request& req) {
      std::lock_guard lock(mu_);
      ++attempts_;
      if (fail_next_ > 0) {
        --fail_next_;
        net::Response r = net::Response::error(503, "unavailable", "try later");
        r.headers.emplace_back("Retry-After", "0");
        return r;
      }
      received_.push_back({std::string(req.body()),
                           std::string(req.header("content-type").value_or("")),
                           std::string(req.header("content-encoding").value_or("")),
                           std::string(req.header("authorization").value_or(""))});
      net::Response r;
      r.content_type = "application/x-protobuf";
      return r;
    });
    net::ServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.instrument = false;
    server_ = std::make_unique<net::Server>(std::move(router), o);
    (void)server_->start();
  }
  ~FakeOtlpSink() { server_->shutdown(std::chrono::milliseconds(500)); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void fail_next(int n) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  int attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  std::mutex mu_;
  std::vector<Received> received_;
  int fail_next_ = 0;
  int attempts_ = 0;
  std::unique_ptr<net::Server> server_;
};

}  // namespace spanline::collector::testing
