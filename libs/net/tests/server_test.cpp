#include "spanline/net/server.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <future>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "spanline/net/errors.h"
#include "spanline/net/json.h"
#include "test_support.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace testing;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

Router demo_router() {
  Router router;
  router.get("/tasks/{id}", [](Request& req) -> asio::awaitable<Response> {
    std::string body = "id=" + std::string(req.param("id"));
    if (auto v = req.query_param("v")) body += " v=" + *v;
    co_return Response::text(200, std::move(body));
  });
  router.post("/tasks", [](Request& req) -> asio::awaitable<Response> {
    auto body = parse_json_object(req);
    if (!body) co_return body.error();
    co_return Response::json(201, *body);
  });
  router.get("/sync", [](Request&) { return Response::text(200, "sync"); });
  router.get("/throw", [](Request&) -> asio::awaitable<Response> {
    throw std::runtime_error("boom");
    co_return Response{};
  });
  router.get("/slow", [](Request&) -> asio::awaitable<Response> {
    co_await sleep_for(300ms);
    co_return Response::text(200, "slow done");
  });
  return router;
}

void expect_error_shape(const RawResponse& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto json = boost::json::parse(r.body);
  ASSERT_TRUE(json.is_object()) << r.body;
  EXPECT_EQ(json.as_object().size(), 2u) << r.body;
  EXPECT_EQ(json.at("error").as_string(), code) << r.body;
  EXPECT_TRUE(json.at("message").is_string()) << r.body;
}

TEST(Server, RoutesWithParamsQueryAndSyncHandlers) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("GET /tasks/42?v=a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "id=42 v=a b");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
  c.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "sync");
}

TEST(Server, NotFoundAndMethodNotAllowedUseTheErrorShape) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 404, "not_found");
  c.send("DELETE /tasks/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 405, "method_not_allowed");
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
}

TEST(Server, JsonBodiesAndTheirErrors) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  auto post = [&](std::string_view content_type, std::string_view body) {
    std::string req = "POST /tasks HTTP/1.1\r\nHost: x\r\n";
    if (!content_type.empty()) req += "Content-Type: " + std::string(content_type) + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    c.send(req);
    return c.read_response();
  };
  auto r = post("application/json; charset=utf-8", R"({"text":"hi"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(boost::json::parse(r->body).at("text").as_string(), "hi");
  r = post("", R"({"text":"no content type"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  r = post("text/plain", R"({"text":"hi"})");
  ASSERT_TRUE(r);
  expect_error_shape(*r, 415, "unsupported_media_type");
  r = post("application/json", R"({"text":)");
  ASSERT_TRUE(r);
  expect_error_shape(*r, 400, "malformed_json");
  r = post("application/json", R"(["not an object"])");
  ASSERT_TRUE(r);
  expect_error_shape(*r, 400, "invalid_body");
}

TEST(Server, HandlerExceptionIs500) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 500, "internal_error");
  // The connection survives a handler's failure.
  c.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.read_response());
}

TEST(Server, BodyOverTheLimitIs413) {
  TestServer server(demo_router(), {.body_limit = 1024});
  {
    RawConnection c(server.port());
    c.send(
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 4096\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_error_shape(*r, 413, "payload_too_large");
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {
    // Chunked: the limit is found while reading the body.
    RawConnection c(server.port());
    std::string chunk(800, 'x');
    c.send("POST /tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
           "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_error_shape(*r, 413, "payload_too_large");
  }
}

TEST(Server, DefaultBodyLimitIsOneMebibyte) {
  EXPECT_EQ(ServerOptions{}.body_limit, 1u << 20);
}

TEST(Server, HeadersOverTheLimitAre431) {
  TestServer server(demo_router(), {.header_limit = 1024});
  RawConnection c(server.port());
  c.send("GET /sync HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2048, 'a') + "\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 431, "header_too_large");
}

TEST(Server, MalformedRequestIs400) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 400, "bad_request");
  EXPECT_TRUE(c.wait_closed(5s));
}

TEST(Server, SlowHeadersGet408AndTheConnectionIsClosed) {
  TestServer server(demo_router(), {.header_timeout = 200ms});
  RawConnection c(server.port());
  c.send("GET /sync HTTP/1.1\r\nHost: x\r\n");  // never finished
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 408, "request_timeout");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed(5s));
}

TEST(Server, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  TestServer server(demo_router(), {.header_timeout = 200ms});
  RawConnection c(server.port());
  std::string received;
  EXPECT_TRUE(c.wait_closed(5s, &received));
  EXPECT_EQ(received, "");  // nothing was asked, nothing is answered
}

TEST(Server, SlowBodyGets408) {
  TestServer server(demo_router(), {.body_timeout = 200ms});
  RawConnection c(server.port());
  c.send("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"te");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_error_shape(*r, 408, "request_timeout");
  EXPECT_TRUE(c.wait_closed(5s));
}

TEST(Server, KeepAliveReusesTheConnectionUntilIdleTimeout) {
  TestServer server(demo_router(), {.idle_timeout = 300ms});
  RawConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->header("connection"), "close");
  }
  EXPECT_EQ(server.server().stats().connections_accepted, 1u);
  std::string received;
  EXPECT_TRUE(c.wait_closed(5s, &received));
  EXPECT_EQ(received, "");
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("GET /tasks/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /tasks/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "id=1");
  EXPECT_EQ(b->body, "id=2");
}

// Requests are parsed from what is buffered when whole; these arrive cut at
// every kind of place, and pipelined with bodies.
TEST(Server, RequestsCutAnywhereArriveWhole) {
  TestServer server(demo_router());
  const std::string request =
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 13\r\n\r\n{\"text\":\"ab\"}";
  const std::size_t header_end = request.find("\r\n\r\n") + 4;
  for (std::size_t cut : {std::size_t{1}, std::size_t{20}, header_end - 2, header_end,
                          header_end + 5, request.size() - 1}) {
    RawConnection c(server.port());
    ASSERT_TRUE(c.send(std::string_view(request).substr(0, cut)));
    std::this_thread::sleep_for(20ms);  // the server reads the first part alone
    ASSERT_TRUE(c.send(std::string_view(request).substr(cut)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "cut at " << cut;
    EXPECT_EQ(r->status, 201) << "cut at " << cut;
    EXPECT_EQ(r->body, "{\"text\":\"ab\"}") << "cut at " << cut;
  }
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(request + request + "GET /tasks/3 HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
  }
  auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "id=3");
}

// The server writes response heads by hand: byte for byte what Beast's own
// serializer writes for the same message, whatever the version, method,
// status and extra headers.
TEST(Server, ResponseHeadsAreTheBytesBeastWouldWrite) {
  Router router;
  router.get("/text", [](Request&) { return Response::text(200, "hello"); });
  router.route(Method::kHead, "/text",
               SyncHandler([](Request&) { return Response::text(200, "hello"); }));
  router.get("/odd", [](Request&) {
    Response r = Response::text(299, "");
    r.headers.emplace_back("X-Extra", "one");
    r.headers.emplace_back("x-extra", "two");
    return r;
  });
  TestServer server(std::move(router), {.instrument = false});
  struct Case {
    std::string request;
    unsigned version;
    unsigned status;
    std::string content_type, body;
    bool head = false;
    std::vector<std::pair<std::string, std::string>> extra = {};
  };
  const Case cases[] = {
      {"GET /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 11, 200,
       "text/plain; charset=utf-8", "hello"},
      {"GET /text HTTP/1.0\r\n\r\n", 10, 200, "text/plain; charset=utf-8", "hello"},
      {"HEAD /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 11, 200,
       "text/plain; charset=utf-8", "hello", true},
      {"GET /odd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
       11,
       299,
       "text/plain; charset=utf-8",
       "",
       false,
       {{"X-Extra", "one"}, {"x-extra", "two"}}},
  };
  for (const Case& c : cases) {
    http::response<http::string_body> want;
    want.version(c.version);
    want.result(c.status);
    want.set(http::field::content_type, c.content_type);
    for (const auto& [name, value] : c.extra) want.insert(name, value);
    want.body() = c.body;
    want.keep_alive(false);
    want.prepare_payload();
    if (c.head) want.body().clear();
    std::ostringstream expected;
    expected << want;

    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(c.request));
    std::string received;
    ASSERT_TRUE(conn.wait_closed(5s, &received)) << c.request;
    EXPECT_EQ(received, expected.str()) << c.request;
  }
}

TEST(Server, Http10AndConnectionCloseEndTheConnection) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send("GET /sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed(5s));
  RawConnection old(server.port());
  old.send("GET /sync HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(old.read_response());
  EXPECT_TRUE(old.wait_closed(5s));
}

TEST(Server, ExpectContinueGetsAnInterimResponse) {
  TestServer server(demo_router());
  RawConnection c(server.port());
  c.send(
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send("{}");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
}

TEST(Server, GracefulShutdownFinishesInFlightRequests) {
  auto server = std::make_unique<TestServer>(demo_router());
  const auto port = server->port();
  RawConnection busy(port);
  RawConnection idle(port);
  idle.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.read_response());
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);  // the request is in the handler
  auto drained = std::async(std::launch::async, [&] { return server->server().shutdown(10s); });
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow done");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(drained.get());
  EXPECT_TRUE(idle.wait_closed(5s));
  EXPECT_TRUE(server->server().shutdown(1s));  // twice is fine
}

TEST(Server, ShutdownGivesUpOnRequestsPastTheDeadline) {
  Router router;
  router.get("/forever", [](Request&) -> asio::awaitable<Response> {
    co_await sleep_for(60s);
    co_return Response::text(200, "late");
  });
  TestServer server(std::move(router));
  RawConnection c(server.port());
  c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(server.server().shutdown(200ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_TRUE(c.wait_closed(5s));
}

TEST(Server, ShutdownWithoutStartAndInvalidOptions) {
  Server never(Router{}, {});
  EXPECT_TRUE(never.shutdown(1s));
  Server bad(Router{}, {.address = "127.0.0.1", .port = 0, .body_limit = 0});
  auto started = bad.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error(), Error::kInvalidOptions);
}

TEST(Server, PortInUseIsAnError) {
  TestServer first(demo_router());
  Server second(Router{}, {.address = "127.0.0.1", .port = first.port(), .threads = 1});
  auto started = second.start();
  EXPECT_FALSE(started);
}

}  // namespace
}  // namespace spanline::net
