// task-api: accepts tasks (POST /tasks), has task-worker enrich them, keeps
// them in memory. Configuration: PORT (default 8081), WORKER_URL,
// WORKER_TIMEOUT_MS, MAX_TASKS and the OTEL_* variables. Tracing comes from
// the HTTP layer alone.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "spanline/net/service.h"
#include "task-api/api_routes.h"

int main() {
  using namespace spanline;
  taskflow::api::ApiConfig config;
  net::ServerOptions options;
  try {
    config = taskflow::api::ApiConfig::from_env();
    options = net::ServerOptions::from_env();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "task-api: %s\n", e.what());
    return 2;
  }
  if (std::getenv("PORT") == nullptr) options.port = 8081;
  taskflow::api::TaskStore store({.max_tasks = config.max_tasks});
  net::ClientOptions client_options;
  client_options.instrument = options.instrument;
  net::Client client(client_options);
  return net::run_service("task-api", taskflow::api::make_api_router(config, store, client),
                          options);
}
