// tracecontext-test-service: the W3C Trace Context validation service
// (https://github.com/w3c/trace-context/tree/main/test): `POST /test` with a
// JSON array of {"url", "arguments"}; for each element, in order, it POSTs
// `arguments` as JSON to `url`, carrying the propagated context. It uses the
// same instrumented server and client as the services, so running the
// official harness against it checks the product's propagation:
//
//   PORT=7777 build/bin/tracecontext-test-service &
//   python3 test/test.py http://127.0.0.1:7777/test      (from the W3C repo)
//
// Incoming traceparent/tracestate are extracted by the server span (an
// invalid traceparent starts a new trace; an invalid tracestate is dropped
// whole) and the client injects the child context into each call.
#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "spanline/net/client.h"
#include "spanline/net/json.h"
#include "spanline/net/log.h"
#include "spanline/net/service.h"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace spanline;

asio::awaitable<net::Response> run_test(net::Client& client, net::Request& req) {
  auto body = net::parse_json(req);
  if (!body) co_return body.error();
  if (!body->is_array()) {
    co_return net::Response::error(400, "invalid_body",
                                   "the body must be a JSON array of {\"url\", \"arguments\"}");
  }
  for (const json::value& item : body->get_array()) {
    const json::object* call = item.if_object();
    const json::value* url = call ? call->if_contains("url") : nullptr;
    const json::value* arguments = call ? call->if_contains("arguments") : nullptr;
    if (url == nullptr || !url->is_string() || arguments == nullptr) {
      co_return net::Response::error(400, "invalid_body",
                                     "each element needs a \"url\" string and \"arguments\"");
    }
    const std::string target(url->get_string());
    auto result = co_await client.post(target, json::serialize(*arguments), req);
    if (!result) {
      const std::string reason = result.error().message();
      net::log_warn(req, "forwarding failed", {{"url", target}, {"reason", reason}});
    }
  }
  co_return net::Response::json(200, json::object{});
}

}  // namespace

int main() {
  net::ServerOptions options;
  try {
    options = net::ServerOptions::from_env();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "tracecontext-test-service: %s\n", e.what());
    return 2;
  }
  net::Client client;
  net::Router router;
  router.post("/test", [&client](net::Request& req) { return run_test(client, req); });
  router.get("/health", [](net::Request&) { return net::Response::text(200, "ok"); });
  return net::run_service("tracecontext-test-service", std::move(router), options);
}
