// task-worker: enriches tasks for task-api (POST /enrich). Configuration:
// PORT (default 8090), WORKER_LATENCY_MS ("0", "50" or "20-80"), and the
// OTEL_* variables. Tracing comes from the HTTP layer alone.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "spanline/net/service.h"
#include "task-worker/worker_routes.h"

int main() {
  using namespace spanline;
  taskflow::worker::WorkerConfig config;
  net::ServerOptions options;
  try {
    config = taskflow::worker::WorkerConfig::from_env();
    options = net::ServerOptions::from_env();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "task-worker: %s\n", e.what());
    return 2;
  }
  if (std::getenv("PORT") == nullptr) options.port = 8090;
  return net::run_service("task-worker", taskflow::worker::make_worker_router(config), options);
}
