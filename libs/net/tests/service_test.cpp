#include "spanline/net/service.h"

#include <pthread.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <future>
#include <thread>

#include "test_support.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;
using namespace testing;

// Blocks SIGTERM in this thread (and so in threads it starts) for the test,
// so that the thread-directed signal below can only reach run_service's
// sigwait.
class BlockedTerm {
 public:
  BlockedTerm() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~BlockedTerm() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

TEST(RunService, DrainsInFlightRequestsOnSigtermAndReturnsZero) {
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  BlockedTerm blocked;
  Router router;
  router.get("/slow", [](Request&) -> asio::awaitable<Response> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return Response::text(200, "done");
  });
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = unused_port();
  options.threads = 1;

  std::promise<pthread_t> handle;
  std::future<int> code = std::async(std::launch::async, [&] {
    handle.set_value(pthread_self());
    return run_service("net-test-service", std::move(router), options);
  });
  const pthread_t service_thread = handle.get_future().get();

  for (int i = 0; i < 250 && !listening(options.port); ++i) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(listening(options.port));

  RawConnection c(options.port);
  c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  pthread_kill(service_thread, SIGTERM);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  ASSERT_EQ(code.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(code.get(), 0);
}

TEST(RunService, ReturnsOneWhenTheServerCannotStart) {
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  BlockedTerm blocked;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.body_limit = 0;  // invalid
  EXPECT_EQ(run_service("net-test-service", Router{}, options), 1);
}

}  // namespace
}  // namespace spanline::net
