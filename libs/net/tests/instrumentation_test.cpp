// Automatic instrumentation, observed through a recording exporter: server
// and client spans, propagation both ways, status mapping, traceresponse.
#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <stdexcept>

#include "spanline/net/client.h"
#include "spanline/net/log.h"
#include "spanline/net/server.h"
#include "spanline/telemetry/api/propagation.h"
#include "test_support.h"

namespace spanline::net {
namespace {

namespace asio = boost::asio;
namespace tel = telemetry;
using namespace testing;

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParentId = "00f067aa0ba902b7";

Router traced_router() {
  Router router;
  router.get("/tasks/{id}", [](Request& req) {
    return Response::text(200,
                          std::string(req.telemetry_context().baggage().get("user").value_or("")));
  });
  router.get("/fail", [](Request&) { return Response::error(503, "unavailable", "down"); });
  router.get("/missing", [](Request&) { return Response::error(404, "not_found", "gone"); });
  router.get("/throw", [](Request&) -> Response { throw std::logic_error("bad state"); });
  router.get("/health", [](Request&) { return Response::text(200, "ok"); });
  router.get("/api/health", [](Request&) { return Response::text(200, "ok"); },
             {.instrumentation = Instrumentation::kOn});
  return router;
}

std::string get(std::uint16_t port, std::string_view target, std::string_view extra = {},
                RawResponse* out = nullptr) {
  RawConnection c(port);
  c.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUser-Agent: net-test/1\r\n" + std::string(extra) + "\r\n");
  auto r = c.read_response();
  if (!r) return "no response";
  if (out) *out = *r;
  return std::to_string(r->status);
}

TEST(ServerSpans, NameKindAndSemanticConventionAttributes) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  ASSERT_EQ(get(server.port(), "/tasks/7?full=1"), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /tasks/{id}");
  EXPECT_EQ(s.kind, tel::SpanKind::kServer);
  EXPECT_EQ(s.status.code, tel::StatusCode::kUnset);
  EXPECT_FALSE(s.parent_span_id.is_valid());
  EXPECT_EQ(attribute(s, "http.request.method"), "GET");
  EXPECT_EQ(attribute(s, "url.path"), "/tasks/7");
  EXPECT_EQ(attribute(s, "url.query"), "full=1");
  EXPECT_EQ(attribute(s, "url.scheme"), "http");
  EXPECT_EQ(attribute(s, "http.route"), "/tasks/{id}");
  EXPECT_EQ(attribute(s, "http.response.status_code"), "200");
  EXPECT_EQ(attribute(s, "server.address"), "127.0.0.1");
  EXPECT_EQ(attribute(s, "server.port"), std::to_string(server.port()));
  EXPECT_EQ(attribute(s, "client.address"), "127.0.0.1");
  EXPECT_EQ(attribute(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(attribute(s, "user_agent.original"), "net-test/1");
  EXPECT_FALSE(has_attribute(s, "error.type"));
  EXPECT_EQ(s.scope->name, "spanline.net");
}

TEST(ServerSpans, EachSpanHasItsOwnStatusCodeAndPath) {
  // Status codes are prepared per thread in slots of status % 16: 200, 216
  // and 232 share one, 201 has another.
  SpanRecorder recorder;
  Router router;
  router.get("/status/{code}", [](Request& req) {
    return Response::text(std::stoi(std::string(req.param("code"))), "");
  });
  router.get("/plain", [](Request&) { return Response::text(200, "ok"); });
  TestServer server(std::move(router));
  // One keep-alive connection: one server thread, its spans ended in order.
  RawConnection c(server.port());
  auto get_on = [&c](const std::string& target) {
    if (!c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")) return std::string("no send");
    auto r = c.read_response();
    return r ? std::to_string(r->status) : std::string("no response");
  };
  const std::vector<std::string> codes = {"200", "216", "200", "201", "232", "216", "200"};
  for (const auto& code : codes) ASSERT_EQ(get_on("/status/" + code), code);
  ASSERT_EQ(get_on("/plain"), "200");
  ASSERT_TRUE(recorder.wait_for(codes.size() + 1));
  const auto spans = recorder.spans();
  ASSERT_EQ(spans.size(), codes.size() + 1);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(attribute(spans[i], "http.response.status_code"), codes[i]);
    EXPECT_EQ(attribute(spans[i], "url.path"), "/status/" + codes[i]);
    EXPECT_EQ(attribute(spans[i], "http.route"), "/status/{code}");
    EXPECT_EQ(attribute(spans[i], "http.request.method"), "GET");
  }
  EXPECT_EQ(attribute(spans.back(), "url.path"), "/plain");
  EXPECT_EQ(attribute(spans.back(), "http.route"), "/plain");
}

// HEAD on a GET route runs the GET handler; the response has GET's status
// and header fields without the body, and the span says HEAD.
TEST(ServerSpans, HeadOnAGetRouteIsAHeadSpan) {
  SpanRecorder recorder;
  Router router;
  router.get("/items/{id}", [](Request& req) {
    Response r = Response::text(200, "item " + std::string(req.param("id")));
    r.headers.emplace_back("X-Item", std::string(req.param("id")));
    return r;
  });
  TestServer server(std::move(router));
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto got = c.read_response();
  ASSERT_TRUE(got);
  ASSERT_TRUE(c.send("HEAD /items/42 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string head;
  ASSERT_TRUE(c.wait_closed(5s, &head));
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "item 42");
  EXPECT_NE(head.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 7\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Item: 42\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "HEAD answered with a body: " << head;
  ASSERT_TRUE(recorder.wait_for(2));
  const auto s = recorder.find("HEAD /items/{id}");
  EXPECT_EQ(attribute(s, "http.request.method"), "HEAD");
  EXPECT_EQ(attribute(s, "http.route"), "/items/{id}");
  EXPECT_EQ(attribute(s, "url.path"), "/items/42");
  EXPECT_EQ(attribute(s, "http.response.status_code"), "200");
  EXPECT_EQ(attribute(recorder.find("GET /items/{id}"), "http.request.method"), "GET");
}

TEST(ServerSpans, UnmatchedRouteIsNamedByMethodOnly) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  ASSERT_EQ(get(server.port(), "/nowhere"), "404");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET");
  EXPECT_FALSE(has_attribute(s, "http.route"));
  EXPECT_EQ(s.status.code, tel::StatusCode::kUnset);  // 4xx is not a server error
}

TEST(ServerSpans, ContinuesAnIncomingTraceWithTracestateAndBaggage) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  RawResponse response;
  const std::string traceparent =
      "traceparent: 00-" + std::string(kTraceId) + "-" + std::string(kParentId) + "-01\r\n";
  ASSERT_EQ(get(server.port(), "/tasks/1",
                traceparent + "tracestate: vendor=abc,other=1\r\nbaggage: user=ann\r\n", &response),
            "200");
  EXPECT_EQ(response.body, "ann");  // baggage reached the handler
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /tasks/{id}");
  EXPECT_EQ(s.trace_id.to_hex(), kTraceId);
  EXPECT_EQ(s.parent_span_id.to_hex(), kParentId);
  EXPECT_TRUE(s.parent_is_remote);
  EXPECT_EQ(s.trace_state, "vendor=abc,other=1");
}

TEST(ServerSpans, ReadsContextHostAndAgentAmongManyHeadersInAnyCase) {
  // More header fields than the span's one-pass snapshot holds, names in
  // odd letter case, the context last: still continued, host and agent read.
  SpanRecorder recorder;
  TestServer server(traced_router());
  std::string extra;
  for (int i = 0; i < 20; ++i)
    extra += "X-Filler-" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
  extra += "TRACEPARENT: 00-" + std::string(kTraceId) + "-" + std::string(kParentId) + "-01\r\n";
  extra += "TraceState: vendor=x\r\n";
  ASSERT_EQ(get(server.port(), "/tasks/2", extra), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /tasks/{id}");
  EXPECT_EQ(s.trace_id.to_hex(), kTraceId);
  EXPECT_EQ(s.parent_span_id.to_hex(), kParentId);
  EXPECT_EQ(s.trace_state, "vendor=x");
  EXPECT_EQ(attribute(s, "server.address"), "127.0.0.1");
  EXPECT_EQ(attribute(s, "server.port"), std::to_string(server.port()));
  EXPECT_EQ(attribute(s, "user_agent.original"), "net-test/1");
}

TEST(ServerSpans, AConnectionsSpansFollowItsHostHeader) {
  // One keep-alive connection: the attributes its spans share are prepared
  // once and prepared again when a request names another host.
  SpanRecorder recorder;
  TestServer server(traced_router());
  RawConnection c(server.port());
  for (std::string_view host : {"one.example:8081", "one.example:8081", "two.example"}) {
    ASSERT_TRUE(c.send("GET /tasks/1 HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  ASSERT_TRUE(recorder.wait_for(3));
  const auto spans = recorder.spans();
  ASSERT_EQ(spans.size(), 3u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(attribute(spans[i], "server.address"), "one.example");
    EXPECT_EQ(attribute(spans[i], "server.port"), "8081");
  }
  EXPECT_EQ(attribute(spans[2], "server.address"), "two.example");
  EXPECT_FALSE(has_attribute(spans[2], "server.port"));
  for (const auto& s : spans) {
    EXPECT_EQ(attribute(s, "client.address"), "127.0.0.1");
    EXPECT_EQ(attribute(s, "url.scheme"), "http");
    EXPECT_EQ(attribute(s, "network.protocol.version"), "1.1");
  }
}

TEST(ServerSpans, MalformedTraceparentStartsANewTrace) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  ASSERT_EQ(get(server.port(), "/tasks/1",
                "traceparent: 00-" + std::string(kTraceId) + "-" + std::string(kParentId) +
                    "-1\r\n"),  // flags too short
            "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /tasks/{id}");
  EXPECT_TRUE(s.trace_id.is_valid());
  EXPECT_NE(s.trace_id.to_hex(), kTraceId);
  EXPECT_FALSE(s.parent_span_id.is_valid());
}

TEST(ServerSpans, TraceresponseCarriesTheServerSpan) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  RawResponse response;
  ASSERT_EQ(get(server.port(), "/tasks/1", {}, &response), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /tasks/{id}");
  EXPECT_EQ(response.header("traceresponse"),
            "00-" + s.trace_id.to_hex() + "-" + s.span_id.to_hex() + "-01");
}

TEST(ServerSpans, TraceresponseReplacesOneTheHandlerSet) {
  SpanRecorder recorder;
  Router router;
  router.get("/own", [](Request&) {
    Response r = Response::text(200, "ok");
    r.headers.emplace_back("TraceResponse", "00-not-ours");
    return r;
  });
  TestServer server(std::move(router));
  RawResponse response;
  ASSERT_EQ(get(server.port(), "/own", {}, &response), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /own");
  EXPECT_EQ(response.header_counts["traceresponse"], 1);
  EXPECT_EQ(response.header("traceresponse"),
            "00-" + s.trace_id.to_hex() + "-" + s.span_id.to_hex() + "-01");
}

TEST(ServerSpans, ServerErrorsAndExceptionsAreErrors) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  ASSERT_EQ(get(server.port(), "/fail"), "503");
  ASSERT_EQ(get(server.port(), "/throw"), "500");
  ASSERT_TRUE(recorder.wait_for(2));
  auto fail = recorder.find("GET /fail");
  EXPECT_EQ(fail.status.code, tel::StatusCode::kError);
  EXPECT_EQ(attribute(fail, "error.type"), "503");
  auto thrown = recorder.find("GET /throw");
  EXPECT_EQ(thrown.status.code, tel::StatusCode::kError);
  EXPECT_EQ(thrown.status.message, "bad state");
  EXPECT_EQ(attribute(thrown, "error.type"), "std::logic_error");
  EXPECT_EQ(attribute(thrown, "http.response.status_code"), "500");
  ASSERT_EQ(thrown.events.size(), 1u);
  EXPECT_EQ(thrown.events[0].name, "exception");
}

TEST(ServerSpans, HealthChecksAreQuietUnlessAsked) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  RawResponse response;
  ASSERT_EQ(get(server.port(), "/health", {}, &response), "200");
  EXPECT_EQ(response.header("traceresponse"), "");
  ASSERT_EQ(get(server.port(), "/api/health"), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  std::this_thread::sleep_for(100ms);
  auto spans = recorder.spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "GET /api/health");
}

TEST(ServerSpans, UninstrumentedServerRecordsNothing) {
  SpanRecorder recorder;
  TestServer server(traced_router(), {.instrument = false});
  RawResponse response;
  ASSERT_EQ(get(server.port(), "/tasks/1", "baggage: user=ann\r\n", &response), "200");
  EXPECT_EQ(response.header("traceresponse"), "");
  EXPECT_EQ(response.body, "");  // not even extracted
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(recorder.count(), 0u);
}

// front: GET /relay → client GET backend /tasks/9 → backend server span.
TEST(Propagation, ServerClientServerIsOneTrace) {
  SpanRecorder recorder;
  TestServer backend(traced_router());
  Client client;
  const std::string url = backend.url("/tasks/9");
  Router front;
  front.get("/relay", [&](Request& req) -> asio::awaitable<Response> {
    log_info(req, "relaying", {{"url", url}});
    auto r = co_await client.get(url, req);
    if (!r) co_return Response::error(502, "upstream", r.error().message());
    co_return Response::text(r->status, std::move(r->body));
  });
  TestServer server(std::move(front));
  ASSERT_EQ(get(server.port(), "/relay", "baggage: user=bob\r\n"), "200");
  ASSERT_TRUE(recorder.wait_for(3));
  auto outer = recorder.find("GET /relay");
  auto call = recorder.find("GET");
  auto inner = recorder.find("GET /tasks/{id}");
  EXPECT_EQ(call.kind, tel::SpanKind::kClient);
  EXPECT_EQ(call.trace_id, outer.trace_id);
  EXPECT_EQ(inner.trace_id, outer.trace_id);
  EXPECT_EQ(call.parent_span_id, outer.span_id);
  EXPECT_FALSE(call.parent_is_remote);
  EXPECT_EQ(inner.parent_span_id, call.span_id);
  EXPECT_TRUE(inner.parent_is_remote);
  EXPECT_EQ(attribute(call, "url.full"), url);
  EXPECT_EQ(attribute(call, "server.address"), "127.0.0.1");
  EXPECT_EQ(attribute(call, "server.port"), std::to_string(backend.port()));
  EXPECT_EQ(attribute(call, "http.request.method"), "GET");
  EXPECT_EQ(attribute(call, "http.response.status_code"), "200");
  EXPECT_EQ(call.status.code, tel::StatusCode::kUnset);
}

TEST(ClientSpans, FourHundredsAndTransportErrorsAreErrors) {
  SpanRecorder recorder;
  TestServer server(traced_router());
  Client client;
  auto r = run_sync([&] { return client.send({Method::kGet, server.url("/missing")}); });
  ASSERT_TRUE(r);
  const std::string refused = "http://127.0.0.1:" + std::to_string(unused_port()) + "/x";
  auto e = run_sync([&] { return client.send({Method::kGet, refused}); });
  ASSERT_FALSE(e);
  ASSERT_TRUE(recorder.wait_for(3));
  std::vector<tel::SpanData> calls;
  for (auto& s : recorder.spans())
    if (s.kind == tel::SpanKind::kClient) calls.push_back(s);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].status.code, tel::StatusCode::kError);
  EXPECT_EQ(attribute(calls[0], "error.type"), "404");
  EXPECT_EQ(calls[1].status.code, tel::StatusCode::kError);
  EXPECT_EQ(attribute(calls[1], "error.type"), "connection_refused");
  EXPECT_FALSE(has_attribute(calls[1], "http.response.status_code"));
}

TEST(ClientSpans, EachRetryIsASpanWithItsResendCount) {
  SpanRecorder recorder;
  std::atomic<int> calls{0};
  Router router;
  router.get("/flaky", [&](Request&) {
    return calls++ < 2 ? Response::error(503, "unavailable", "again") : Response::text(200, "ok");
  });
  TestServer server(std::move(router));
  Client client({.retry = {.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 5ms}});
  auto r = run_sync([&] { return client.send({Method::kGet, server.url("/flaky")}); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(recorder.wait_for(6));
  std::vector<tel::SpanData> client_spans, server_spans;
  for (auto& s : recorder.spans())
    (s.kind == tel::SpanKind::kClient ? client_spans : server_spans).push_back(s);
  ASSERT_EQ(client_spans.size(), 3u);
  EXPECT_FALSE(has_attribute(client_spans[0], "http.request.resend_count"));
  EXPECT_EQ(attribute(client_spans[1], "http.request.resend_count"), "1");
  EXPECT_EQ(attribute(client_spans[2], "http.request.resend_count"), "2");
  EXPECT_EQ(client_spans[2].status.code, tel::StatusCode::kUnset);
  // Each server span is the child of the attempt that reached it.
  ASSERT_EQ(server_spans.size(), 3u);
  for (const auto& c : client_spans) {
    int children = 0;
    for (const auto& s : server_spans) children += s.parent_span_id == c.span_id ? 1 : 0;
    EXPECT_EQ(children, 1);
  }
}

TEST(Logs, LinesCarryTheRequestTraceIds) {
  SpanRecorder recorder;
  std::string line;
  Router router;
  router.get("/log", [&](Request& req) {
    line = format_log_line(LogLevel::kInfo, &req, "hello \"log\"", {{"n", 3}, {"ok", true}});
    return Response::text(200, "");
  });
  TestServer server(std::move(router));
  ASSERT_EQ(get(server.port(), "/log"), "200");
  ASSERT_TRUE(recorder.wait_for(1));
  auto s = recorder.find("GET /log");
  EXPECT_NE(line.find("\"trace_id\":\"" + s.trace_id.to_hex() + "\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"span_id\":\"" + s.span_id.to_hex() + "\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"msg\":\"hello \\\"log\\\"\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"n\":3,\"ok\":true}"), std::string::npos) << line;
}

}  // namespace
}  // namespace spanline::net
