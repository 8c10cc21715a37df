#include "task-worker/worker_routes.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <stdexcept>

#include "spanline/net/json.h"
#include "spanline/net/log.h"
#include "task-worker/enrichment.h"

namespace spanline::taskflow::worker {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr const char* kVersion = "0.1.0";

asio::awaitable<void> wait(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

// POST /enrich {"id"?, "text"}: deterministic enrichment after the simulated
// latency.
asio::awaitable<net::Response> enrich_handler(const WorkerConfig& config, net::Request& req) {
  auto body = net::parse_json_object(req);
  if (!body) co_return body.error();
  const json::value* text = body->if_contains("text");
  if (text == nullptr) {
    co_return net::Response::error(400, "missing_field", "the body needs a \"text\" string");
  }
  if (!text->is_string() || text->get_string().empty()) {
    co_return net::Response::error(400, "invalid_type", "\"text\" must be a non-empty string");
  }
  std::optional<std::string_view> id;
  if (const json::value* v = body->if_contains("id"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) {
      co_return net::Response::error(400, "invalid_type", "\"id\" must be a string when given");
    }
    id = v->get_string();
  }
  const auto delay = pick_latency(config.latency);
  co_await wait(delay);
  const Enrichment enrichment = enrich(text->get_string(), id);
  json::object out = to_json(enrichment);
  out["latency_ms"] = delay.count();
  net::log_info(req, "task enriched",
                {{"priority", to_string(enrichment.priority)}, {"latency_ms", delay.count()}});
  co_return net::Response::json(200, out);
}

}  // namespace

WorkerConfig WorkerConfig::from_env() {
  WorkerConfig config;
  const char* raw = std::getenv("WORKER_LATENCY_MS");
  auto parsed = parse_latency_ms(raw != nullptr ? raw : "");
  if (!parsed.ok()) throw std::invalid_argument(parsed.error);
  config.latency = parsed.range;
  return config;
}

net::Router make_worker_router(const WorkerConfig& config) {
  net::Router router;
  router.post("/enrich", [config](net::Request& req) { return enrich_handler(config, req); });
  router.get("/health", [](net::Request&) {
    return net::Response::json(200,
                               json::object{{"status", "healthy"}, {"service", "task-worker"}});
  });
  router.get("/", [config](net::Request&) {
    return net::Response::json(
        200, json::object{{"service", "task-worker"},
                          {"version", kVersion},
                          {"endpoints", json::array{"POST /enrich", "GET /health"}},
                          {"latency_ms", json::object{{"min", config.latency.min_ms},
                                                      {"max", config.latency.max_ms}}}});
  });
  return router;
}

}  // namespace spanline::taskflow::worker
