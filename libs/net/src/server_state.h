// What a Server's sessions share: the router and options (read-only while
// running), the per-thread workers, and the counters shutdown waits on.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "server_span.h"
#include "spanline/net/server.h"
#include "tracer_cache.h"

namespace spanline::net::detail {

class Session;

// One I/O thread: its io_context and the sessions living on it. `sessions`
// is touched only by that thread (shutdown reaches it through post()).
struct Worker {
  Session* sessions = nullptr;  // intrusive list head
  // Declared last: destroyed first, so that session frames it still owns
  // unlink themselves from a list that still exists.
  boost::asio::io_context ioc{1};
};

struct ServerState {
  ServerState(Router r, ServerOptions o)
      : router(std::move(r)), options(std::move(o)), endpoint_attributes(router) {}

  const Router router;
  const ServerOptions options;
  const EndpointAttributeTable endpoint_attributes;  // of `router`
  TracerCache tracer;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> open{0};

  // Shutdown waits on `cv` for open == 0; a session that closes during
  // shutdown takes `mu` before notifying so the wake-up cannot be lost.
  std::mutex mu;
  std::condition_variable cv;

  void session_opened() noexcept {
    accepted.fetch_add(1, std::memory_order_relaxed);
    open.fetch_add(1, std::memory_order_relaxed);
  }
  void session_closed() noexcept {
    if (open.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        stopping.load(std::memory_order_acquire)) {
      std::lock_guard lock(mu);
      cv.notify_all();
    }
  }
};

}  // namespace spanline::net::detail
