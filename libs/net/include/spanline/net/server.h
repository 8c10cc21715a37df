// Server: HTTP/1.1 on Boost.Asio/Beast with C++20 coroutines.
//
// Threads: `threads` I/O threads, each running its own io_context; one
// acceptor hands connections round-robin to them, and a connection (with
// every handler and Client call made for it) stays on its thread. Handlers
// therefore never race with their own connection, and per-thread state
// (Client connection pools) needs no locks beyond a trivial one.
//
// Slow clients cannot pin connections: a request's headers must arrive
// within header_timeout, its body within body_timeout (else 408 and close),
// an idle keep-alive connection is closed after idle_timeout, and a
// response that cannot be written within write_timeout drops the
// connection.
//
// Every error the layer produces is {"error": "...", "message": "..."}:
// 400 malformed request, 404, 405 (+ Allow), 408, 413 (body_limit), 431
// (header_limit), 500 (handler exception).
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "spanline/net/router.h"

namespace spanline::net {

struct ServerOptions {
  std::string address = "0.0.0.0";
  // 0: any free port (read it back with Server::port()).
  std::uint16_t port = 8080;
  // I/O threads; 0: one per CPU in the process's affinity mask (taskset,
  // cpusets). from_env(): SPANLINE_HTTP_THREADS.
  unsigned threads = 0;
  // Request bodies larger than this get 413 before they are read.
  std::size_t body_limit = 1 << 20;
  // Request line plus headers larger than this get 431.
  std::size_t header_limit = 16 * 1024;
  // From a connection's open, or a request's first byte, to its last header byte.
  std::chrono::milliseconds header_timeout{10'000};
  // From the end of the headers to the end of the body.
  std::chrono::milliseconds body_timeout{30'000};
  // A kept-alive connection waiting for its next request is closed after this.
  std::chrono::milliseconds idle_timeout{30'000};
  // Writing one response.
  std::chrono::milliseconds write_timeout{30'000};
  // How long shutdown waits for in-flight requests (used by run_service).
  std::chrono::milliseconds drain_timeout{10'000};
  // Server spans, context extraction and traceresponse. false: no tracing
  // work at all on the request path (the untraced benchmark mode).
  bool instrument = true;

  // Defaults overlaid with PORT and SPANLINE_HTTP_INSTRUMENTATION (on|off)
  // from the environment. Throws std::invalid_argument for a malformed value
  // (startup only).
  static ServerOptions from_env();
  // An explanation when the options cannot work, else nullopt.
  std::optional<std::string> validate() const;
};

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
};

class Server {
 public:
  Server(Router router, ServerOptions options);
  // Shuts down without waiting for in-flight requests if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Validates the options, binds, listens and starts the I/O threads.
  // Errors: Error::kInvalidOptions, bind/listen failures (address in use,
  // permission denied). Call once.
  boost::system::result<void> start();

  // The bound port (after a successful start()).
  std::uint16_t port() const noexcept;

  // Graceful shutdown: stops accepting, closes idle connections, lets
  // in-flight requests finish (their responses carry Connection: close)
  // until `drain_timeout`, then closes whatever remains and joins the
  // threads. Returns true if every request finished in time. Blocks; safe to
  // call twice, and without start(). Must not be called from an I/O thread.
  bool shutdown(std::chrono::milliseconds drain_timeout);

  ServerStats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spanline::net
