// task-worker's HTTP interface: POST /enrich, GET /health, GET /.
#pragma once

#include "spanline/net/router.h"
#include "task-worker/latency.h"

namespace spanline::taskflow::worker {

struct WorkerConfig {
  // WORKER_LATENCY_MS: the simulated processing delay of POST /enrich.
  LatencyRange latency;

  // Throws std::invalid_argument with the variable's problem (startup only).
  static WorkerConfig from_env();
};

net::Router make_worker_router(const WorkerConfig& config);

}  // namespace spanline::taskflow::worker
