#include "spanline/net/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sched.h>

#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server_state.h"
#include "session.h"
#include "spanline/net/errors.h"
#include "spanline/net/log.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::ServerState;
using detail::Worker;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// After the drain deadline, remaining connections are closed; their
// coroutines get this long to unwind before the threads are stopped.
constexpr std::chrono::seconds kUnwindTimeout{2};
// Pause after an accept failure such as EMFILE, instead of spinning.
constexpr std::chrono::milliseconds kAcceptBackoff{50};

// The variable `name` as an unsigned number up to `max`; nullopt when unset
// or empty. Anything else throws, naming the variable and what it must be.
std::optional<unsigned> env_unsigned(const char* name, unsigned max, const char* what) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || *raw == '\0') return std::nullopt;
  const std::string_view s(raw);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value > max)
    throw std::invalid_argument(std::string(name) + " must be " + what + ", got \"" +
                                std::string(s) + "\"");
  return value;
}

// CPUs this process may run on (its affinity mask, as taskset or a
// container's cpuset sets it), not every CPU of the machine.
unsigned usable_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

ServerOptions ServerOptions::from_env() {
  ServerOptions o;
  if (auto port = env_unsigned("PORT", 65535, "a port number"))
    o.port = static_cast<std::uint16_t>(*port);
  if (auto threads = env_unsigned("SPANLINE_HTTP_THREADS", 1024, "0 (one per usable CPU) to 1024"))
    o.threads = *threads;
  if (const char* v = std::getenv("SPANLINE_HTTP_INSTRUMENTATION"); v != nullptr && *v != '\0') {
    const std::string_view s(v);
    if (s == "off" || s == "false") {
      o.instrument = false;
    } else if (s != "on" && s != "true") {
      throw std::invalid_argument("SPANLINE_HTTP_INSTRUMENTATION must be on or off, got \"" +
                                  std::string(s) + "\"");
    }
  }
  return o;
}

std::optional<std::string> ServerOptions::validate() const {
  if (threads > 1024) return "threads must be at most 1024";
  if (body_limit == 0) return "body_limit must be positive";
  if (header_limit < 256 || header_limit > (1u << 30)) return "header_limit must be 256 B..1 GiB";
  for (auto [name, value] :
       {std::pair{"header_timeout", header_timeout}, std::pair{"body_timeout", body_timeout},
        std::pair{"idle_timeout", idle_timeout}, std::pair{"write_timeout", write_timeout}}) {
    if (value.count() <= 0) return std::string(name) + " must be positive";
  }
  if (drain_timeout.count() < 0) return "drain_timeout must not be negative";
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

// Destruction order matters (members die bottom-up): the threads are joined
// by shutdown(); the acceptor goes before its io_context; the workers'
// io_contexts destroy leftover session frames, which still report to `state`.
struct Server::Impl {
  Impl(Router router, ServerOptions options) : state(std::move(router), std::move(options)) {}

  asio::awaitable<void> accept_loop();

  ServerState state;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex lifecycle_mu;  // serializes start() and shutdown()
  bool running = false;
  bool started = false;
  bool accepting = false;  // guarded by state.mu
};

// Hands each connection to the next worker; runs on worker 0. Ends when
// shutdown closes the acceptor.
asio::awaitable<void> Server::Impl::accept_loop() {
  std::size_t next = 0;
  for (;;) {
    Worker& worker = *workers[next];
    next = (next + 1) % workers.size();
    auto [ec, socket] = co_await acceptor->async_accept(worker.ioc, kNoThrow);
    if (state.stopping.load(std::memory_order_acquire) || !acceptor->is_open()) break;
    if (ec) {
      log_warn("accept failed", {{"error.message", ec.message()}});
      asio::steady_timer pause(co_await asio::this_coro::executor, kAcceptBackoff);
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(worker.ioc, detail::run_session(state, worker, std::move(socket)),
                   asio::detached);
  }
  std::lock_guard lock(state.mu);
  accepting = false;
  state.cv.notify_all();
}

Server::Server(Router router, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(options))) {}

Server::~Server() {
  shutdown(std::chrono::milliseconds(0));
}

boost::system::result<void> Server::start() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  Impl& s = *impl_;
  const ServerOptions& o = s.state.options;
  if (s.started) return make_error_code(Error::kInvalidOptions);
  s.started = true;
  if (auto problem = o.validate()) {
    log_error("invalid server options", {{"error.message", *problem}});
    return make_error_code(Error::kInvalidOptions);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.address == "localhost" ? "127.0.0.1" : o.address, ec);
  if (ec) return ec;

  const unsigned threads = o.threads != 0 ? o.threads : usable_cpus();
  for (unsigned i = 0; i < threads; ++i) s.workers.push_back(std::make_unique<Worker>());

  tcp::endpoint endpoint(address, o.port);
  s.acceptor.emplace(s.workers[0]->ioc);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) s.port = s.acceptor->local_endpoint(ec).port();
  if (ec) return ec;

  s.running = s.accepting = true;
  asio::co_spawn(s.workers[0]->ioc, s.accept_loop(), asio::detached);
  for (auto& w : s.workers) {
    s.guards.push_back(asio::make_work_guard(w->ioc));
    s.threads.emplace_back([&ioc = w->ioc] { ioc.run(); });
  }
  return {};
}

std::uint16_t Server::port() const noexcept {
  return impl_->port;
}

ServerStats Server::stats() const noexcept {
  return {impl_->state.accepted.load(std::memory_order_relaxed),
          impl_->state.open.load(std::memory_order_relaxed)};
}

bool Server::shutdown(std::chrono::milliseconds drain_timeout) {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  Impl& s = *impl_;
  if (!s.running) return true;
  s.running = false;
  s.state.stopping.store(true, std::memory_order_release);

  // Each step runs on the thread that owns what it touches.
  asio::post(s.workers[0]->ioc, [&s] {
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
  });
  for (auto& w : s.workers) asio::post(w->ioc, [&w = *w] { detail::cancel_idle_sessions(w); });

  auto drained = [&s] { return !s.accepting && s.state.open.load() == 0; };
  bool clean;
  {
    std::unique_lock lock(s.state.mu);
    clean = s.state.cv.wait_for(lock, drain_timeout, drained);
  }
  if (!clean) {
    for (auto& w : s.workers) asio::post(w->ioc, [&w = *w] { detail::close_all_sessions(w); });
    std::unique_lock lock(s.state.mu);
    s.state.cv.wait_for(lock, kUnwindTimeout, drained);
  }
  s.guards.clear();
  for (auto& w : s.workers) w->ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  return clean;
}

}  // namespace spanline::net
