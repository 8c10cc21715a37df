// task-api's HTTP interface: POST /tasks, GET /tasks, GET /tasks/{id},
// GET /health.
#pragma once

#include <chrono>
#include <string>

#include "spanline/net/client.h"
#include "spanline/net/router.h"
#include "task-api/task_store.h"

namespace spanline::taskflow::api {

struct ApiConfig {
  // WORKER_URL: task-worker's base URL.
  std::string worker_url = "http://localhost:8090";
  // WORKER_TIMEOUT_MS: how long POST /tasks waits for the enrichment before
  // storing the task with enrichment_status "failed".
  std::chrono::milliseconds worker_timeout{5'000};
  // MAX_TASKS: tasks kept in memory; the oldest are evicted beyond it.
  std::size_t max_tasks = 10'000;

  // Throws std::invalid_argument naming the variable (startup only).
  static ApiConfig from_env();
};

// `store` and `client` must outlive the router's server.
net::Router make_api_router(const ApiConfig& config, TaskStore& store, net::Client& client);

}  // namespace spanline::taskflow::api
