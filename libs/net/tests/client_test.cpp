#include "spanline/net/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

#include "test_support.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;
using namespace testing;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

Router echo_router(std::atomic<int>* flaky_calls = nullptr) {
  Router router;
  router.get("/hello", [](Request&) { return Response::text(200, "hello"); });
  router.post("/echo", [](Request& req) {
    Response r = Response::text(200, std::string(req.body()));
    r.headers.emplace_back("X-Seen-Content-Type",
                           std::string(req.header("content-type").value_or("")));
    return r;
  });
  router.get("/slow", [](Request&) -> asio::awaitable<Response> {
    co_await sleep_for(2s);
    co_return Response::text(200, "late");
  });
  // 503 twice, then 200 (per counter).
  auto flaky = [flaky_calls](Request&) {
    const int n = flaky_calls ? flaky_calls->fetch_add(1) : 0;
    return n < 2 ? Response::error(503, "unavailable", "try again")
                 : Response::text(200, "finally");
  };
  router.get("/flaky", SyncHandler(flaky));
  router.post("/flaky", SyncHandler(flaky));
  return router;
}

TEST(Client, GetAndPost) {
  TestServer server(echo_router());
  Client client;
  auto got = run_sync([&] { return client.send({Method::kGet, server.url("/hello")}); });
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello");
  EXPECT_EQ(got->header("Content-Type"), "text/plain; charset=utf-8");

  auto posted = run_sync([&] {
    return client.send({Method::kPost, server.url("/echo"), R"({"a":1})"});
  });
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->body, R"({"a":1})");
  EXPECT_EQ(posted->header("x-seen-content-type"), "application/json");
}

TEST(Client, HttpErrorStatusIsAValueNotAnError) {
  TestServer server(echo_router());
  Client client;
  auto r = run_sync([&] { return client.send({Method::kGet, server.url("/missing")}); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST(Client, ReusesPooledConnections) {
  TestServer server(echo_router());
  Client client;
  run_sync([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      auto r = co_await client.send({Method::kGet, server.url("/hello")});
      EXPECT_TRUE(r && r->status == 200);
    }
  });
  EXPECT_EQ(server.server().stats().connections_accepted, 1u);
}

TEST(Client, ReplacesAPooledConnectionTheServerClosed) {
  TestServer server(echo_router(), {.idle_timeout = 100ms});
  Client client;
  run_sync([&]() -> asio::awaitable<void> {
    auto first = co_await client.send({Method::kPost, server.url("/echo"), "1"});
    EXPECT_TRUE(first);
    co_await sleep_for(400ms);  // the server closes the idle connection
    auto second = co_await client.send({Method::kPost, server.url("/echo"), "2"});
    EXPECT_TRUE(second) << second.error().message();
    if (second) {
      EXPECT_EQ(second->body, "2");
    }
  });
  EXPECT_EQ(server.server().stats().connections_accepted, 2u);
}

TEST(Client, RefusedConnectionIsAnErrorValue) {
  Client client;
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/";
  auto r = run_sync([&] { return client.send({Method::kGet, url}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), asio::error::connection_refused);
}

// A listener whose accept queue is full and never drained: further SYNs are
// dropped, so a connect hangs until the client's connect timeout.
class BlackHoleListener {
 public:
  BlackHoleListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    for (int i = 0; i < 8; ++i) {
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(c);
    }
    std::this_thread::sleep_for(50ms);
  }
  ~BlackHoleListener() {
    for (int c : fillers_) ::close(c);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_;
  std::vector<int> fillers_;
};

TEST(Client, ConnectTimeoutIsAnErrorValue) {
  BlackHoleListener hole;
  Client client({.connect_timeout = 200ms});
  const std::string url = "http://127.0.0.1:" + std::to_string(hole.port()) + "/";
  const auto start = std::chrono::steady_clock::now();
  auto r = run_sync([&] { return client.send({Method::kGet, url}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::kConnectTimeout) << r.error().message();
  EXPECT_TRUE(is_timeout(r.error()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST(Client, RequestTimeoutIsAnErrorValue) {
  TestServer server(echo_router());
  Client client({.request_timeout = 200ms});
  auto r = run_sync([&] { return client.send({Method::kGet, server.url("/slow")}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::kTimeout);
  // Per call override.
  auto patient = run_sync([&] {
    return client.send({Method::kGet, server.url("/slow"), "", {.timeout = 10s}});
  });
  ASSERT_TRUE(patient) << patient.error().message();
  EXPECT_EQ(patient->body, "late");
}

TEST(Client, BadUrlsAreErrorValues) {
  Client client;
  auto r = run_sync([&] { return client.send({Method::kGet, "not a url"}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::kInvalidUrl);
  r = run_sync([&] { return client.send({Method::kGet, "https://example.com/"}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::kUnsupportedScheme);
}

TEST(Client, RetriesIdempotentCallsWithBackoff) {
  std::atomic<int> calls{0};
  TestServer server(echo_router(&calls));
  Client client({.retry = {.max_attempts = 3, .initial_backoff = 10ms, .max_backoff = 50ms}});
  auto r = run_sync([&] { return client.send({Method::kGet, server.url("/flaky")}); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finally");
  EXPECT_EQ(calls.load(), 3);
}

TEST(Client, DoesNotRetryPostUnlessAskedTo) {
  std::atomic<int> calls{0};
  TestServer server(echo_router(&calls));
  Client client({.retry = {.max_attempts = 3, .initial_backoff = 10ms, .max_backoff = 50ms}});
  auto r = run_sync([&] { return client.send({Method::kPost, server.url("/flaky"), "{}"}); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(calls.load(), 1);

  calls = 0;
  r = run_sync([&] {
    return client.send({Method::kPost, server.url("/flaky"), "{}", {.retryable = true}});
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), 3);
}

TEST(Client, RetriesRunOutAndReturnTheLastAnswer) {
  Client client({.retry = {.max_attempts = 2, .initial_backoff = 1ms, .max_backoff = 5ms}});
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/";
  auto r = run_sync([&] { return client.send({Method::kGet, url}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), asio::error::connection_refused);
}

TEST(Client, InvalidOptionsThrowAtConstruction) {
  EXPECT_THROW(Client({.retry = {.max_attempts = 0}}), std::invalid_argument);
  EXPECT_THROW(Client({.connect_timeout = 0ms}), std::invalid_argument);
}

TEST(Client, ManyConcurrentCallsFromServerHandlers) {
  TestServer backend(echo_router());
  Client client;
  Router front;
  const std::string url = backend.url("/echo");
  front.post("/relay", [&](Request& req) -> asio::awaitable<Response> {
    auto r = co_await client.post(url, std::string(req.body()), req);
    if (!r) co_return Response::error(502, "upstream", r.error().message());
    co_return Response::text(r->status, std::move(r->body));
  });
  TestServer server(std::move(front));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RawConnection c(server.port());
      for (int i = 0; i < 25; ++i) {
        const std::string body = std::to_string(t * 100 + i);
        c.send("POST /relay HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body);
        auto r = c.read_response();
        if (r && r->status == 200 && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  // Pooled: at most one backend connection per concurrent caller.
  EXPECT_LE(backend.server().stats().connections_accepted, 4u);
}

}  // namespace
}  // namespace spanline::net
