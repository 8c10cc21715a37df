#include "task-api/api_routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "spanline/net/errors.h"
#include "spanline/net/log.h"
#include "task-api/validation.h"

namespace spanline::taskflow::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

net::Response error_response(const ValidationError& e) {
  return net::Response::error(static_cast<int>(e.http_status), e.error, e.message);
}

// Asks task-worker to enrich `task`. On any failure the task keeps
// enrichment_status "failed" and the reason: a user's task is never lost.
asio::awaitable<void> enrich_task(const ApiConfig& config, net::Client& client, net::Request& req,
                                  Task& task) {
  json::object body{{"id", task.id}, {"text", task.text}};
  net::CallOptions call;
  call.timeout = config.worker_timeout;
  auto result =
      co_await client.post(config.worker_url + "/enrich", json::serialize(body), req, call);
  task.enrichment_status = EnrichmentStatus::kFailed;
  if (!result) {
    task.enrichment_error = "task-worker unreachable: " + result.error().message();
    co_return;
  }
  if (result->status != 200) {
    task.enrichment_error = "task-worker answered HTTP " + std::to_string(result->status);
    co_return;
  }
  boost::system::error_code ec;
  json::value answer = json::parse(result->body, ec);
  if (ec || !answer.is_object()) {
    task.enrichment_error = "task-worker answered with a body that is not a JSON object";
    co_return;
  }
  task.enrichment = std::move(answer.get_object());
  task.enrichment_status = EnrichmentStatus::kCompleted;
}

asio::awaitable<net::Response> create_task(const ApiConfig& config, TaskStore& store,
                                           net::Client& client, net::Request& req) {
  if (auto bad = check_content_type(req.header("content-type").value_or(""))) {
    co_return error_response(*bad);
  }
  auto parsed = parse_new_task(req.body());
  if (!parsed) co_return error_response(parsed.error());

  Task task;
  task.id = store.new_id();
  task.text = parsed.value().text;
  co_await enrich_task(config, client, req, task);
  if (task.enrichment_error) {
    net::log_warn(req, "enrichment failed",
                  {{"task_id", task.id}, {"reason", *task.enrichment_error}});
  }
  auto stored = store.add(std::move(task));
  if (!stored) co_return net::Response::error(500, "internal", "could not store the task");
  net::log_info(
      req, "task created",
      {{"task_id", stored->id}, {"enrichment_status", to_string(stored->enrichment_status)}});
  co_return net::Response::json(201, to_json(*stored));
}

net::Response list_tasks(const TaskStore& store, net::Request& req) {
  auto limit = req.query_param("limit");
  auto offset = req.query_param("offset");
  auto query = parse_list_query(limit ? std::optional<std::string_view>(*limit) : std::nullopt,
                                offset ? std::optional<std::string_view>(*offset) : std::nullopt);
  if (!query) return error_response(query.error());
  TaskPage page = store.list(query.value().limit, query.value().offset);
  return net::Response::json(200, json::object{{"tasks", to_json(page.tasks)},
                                               {"total", page.total},
                                               {"offset", query.value().offset}});
}

net::Response get_task(const TaskStore& store, net::Request& req) {
  auto task = store.get(req.param("id"));
  if (!task) {
    return net::Response::error(404, "not_found",
                                "no task with id \"" + std::string(req.param("id")) + "\"");
  }
  return net::Response::json(200, to_json(*task));
}

std::uint64_t env_number(const char* name, std::uint64_t fallback, std::uint64_t min) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || *raw == '\0') return fallback;
  std::string_view s(raw);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < min) {
    throw std::invalid_argument(std::string(name) + " must be an integer >= " +
                                std::to_string(min) + ", got \"" + std::string(s) + "\"");
  }
  return value;
}

}  // namespace

ApiConfig ApiConfig::from_env() {
  ApiConfig config;
  if (const char* url = std::getenv("WORKER_URL"); url != nullptr && *url != '\0') {
    config.worker_url = url;
    while (!config.worker_url.empty() && config.worker_url.back() == '/') {
      config.worker_url.pop_back();
    }
    if (!config.worker_url.starts_with("http://")) {
      throw std::invalid_argument("WORKER_URL must be an http:// URL, got \"" + std::string(url) +
                                  "\"");
    }
  }
  config.worker_timeout = std::chrono::milliseconds(env_number(
      "WORKER_TIMEOUT_MS", static_cast<std::uint64_t>(config.worker_timeout.count()), 1));
  config.max_tasks = env_number("MAX_TASKS", config.max_tasks, 1);
  return config;
}

net::Router make_api_router(const ApiConfig& config, TaskStore& store, net::Client& client) {
  net::Router router;
  router.post("/tasks", [config, &store, &client](net::Request& req) {
    return create_task(config, store, client, req);
  });
  router.get("/tasks", [&store](net::Request& req) { return list_tasks(store, req); });
  router.get("/tasks/{id}", [&store](net::Request& req) { return get_task(store, req); });
  router.get("/health", [&store](net::Request&) {
    return net::Response::json(
        200, json::object{{"status", "healthy"}, {"service", "task-api"}, {"tasks", store.size()}});
  });
  return router;
}

}  // namespace spanline::taskflow::api
