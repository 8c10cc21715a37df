// Small hand-written helpers for the net tests: a span recorder installed as
// the global provider, a blocking raw TCP client for byte-exact requests and
// slow-client behaviour, a server started on port 0, and a way to run a
// coroutine to completion from a test body.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "spanline/net/server.h"
#include "spanline/telemetry/sdk/span_exporter.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::net::testing {

using namespace std::chrono_literals;

// Installs a fresh global TracerProvider that records every ended span.
// Spans end on server threads after the response is written: wait_for()
// before asserting on them.
class SpanRecorder {
 public:
  SpanRecorder();
  // At least `n` spans recorded within `timeout`.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s);
  std::vector<telemetry::SpanData> spans();
  // The first recorded span called `name`; fails the test when missing.
  telemetry::SpanData find(std::string_view name);
  std::size_t count();

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<telemetry::SpanData> spans;
  };
  class Exporter;
  std::shared_ptr<Shared> shared_;
};

// The attribute `key` of `span` as text ("" when absent; ints in decimal).
std::string attribute(const telemetry::SpanData& span, std::string_view key);
bool has_attribute(const telemetry::SpanData& span, std::string_view key);

// A parsed HTTP/1.1 response read off a raw socket.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::map<std::string, int> header_counts;    // how many fields had each name
  std::string body;
  std::string header(const std::string& name) const;
};

// A blocking TCP connection to 127.0.0.1:port. Reads give up after the
// configured timeout instead of hanging a test.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port, std::chrono::milliseconds read_timeout = 10s);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(std::string_view bytes);
  // One response (headers + Content-Length body); nullopt on EOF/timeout.
  std::optional<RawResponse> read_response();
  // True when the peer closes (EOF or reset) within `timeout`; data read
  // before that is appended to `received` when given.
  bool wait_closed(std::chrono::milliseconds timeout, std::string* received = nullptr);

 private:
  int fd_ = -1;
  std::string pending_;
};

// A Server on 127.0.0.1, port 0, two threads unless told otherwise.
class TestServer {
 public:
  explicit TestServer(Router router, ServerOptions options = {});
  ~TestServer();
  std::uint16_t port() const { return server_->port(); }
  std::string url(std::string_view path) const;
  Server& server() { return *server_; }

 private:
  std::unique_ptr<Server> server_;
};

// Runs `make()`'s coroutine on a fresh single-threaded io_context and
// returns its result (rethrowing its exception).
template <typename F>
auto run_sync(F make) {
  boost::asio::io_context ioc(1);
  auto future = boost::asio::co_spawn(ioc, make(), boost::asio::use_future);
  ioc.run();
  return future.get();
}

// A port with nothing listening on it (bound, then closed).
std::uint16_t unused_port();

// Whether something accepts connections on 127.0.0.1:port.
bool listening(std::uint16_t port);

}  // namespace spanline::net::testing
