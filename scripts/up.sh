#!/usr/bin/env bash
# `make up`: the Taskflow original, observed. traceview (web UI and API 16686, OTLP
# 14317/14318), the central collector (deploy/otelcol/central.yaml: OTLP
# 4317/4318 with the bearer token; debug exporter on its stderr, and on to
# traceview), task-worker (8090) and task-api (8081) exporting OTLP/HTTP to
# the collector. Ctrl-C (or SIGTERM) stops them in reverse order, each
# gracefully: services flush to the collector, the collector to traceview.
#
#   scripts/up.sh [BUILD_DIR]
#   ports: TASK_API_PORT, TASK_WORKER_PORT, TRACEVIEW_HTTP_PORT,
#          TRACEVIEW_OTLP_GRPC_PORT, TRACEVIEW_OTLP_HTTP_PORT,
#          CENTRAL_OTLP_GRPC_PORT, CENTRAL_OTLP_HTTP_PORT, CENTRAL_HEALTH_PORT,
#          CENTRAL_METRICS_PORT
#   OTEL_TRACES_EXPORTER=console keeps the services' spans on their stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
api_port=${TASK_API_PORT:-8081}
worker_port=${TASK_WORKER_PORT:-8090}
export TRACEVIEW_HTTP_PORT=${TRACEVIEW_HTTP_PORT:-16686}
export TRACEVIEW_OTLP_GRPC_PORT=${TRACEVIEW_OTLP_GRPC_PORT:-14317}
export TRACEVIEW_OTLP_HTTP_PORT=${TRACEVIEW_OTLP_HTTP_PORT:-14318}
export CENTRAL_OTLP_GRPC_PORT=${CENTRAL_OTLP_GRPC_PORT:-4317}
export CENTRAL_OTLP_HTTP_PORT=${CENTRAL_OTLP_HTTP_PORT:-4318}
export CENTRAL_HEALTH_PORT=${CENTRAL_HEALTH_PORT:-13133}
export CENTRAL_METRICS_PORT=${CENTRAL_METRICS_PORT:-8888}
export SPANLINE_COLLECTOR_TOKEN=${SPANLINE_COLLECTOR_TOKEN:-spanline-local-token}

export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-otlp}
export OTEL_EXPORTER_OTLP_PROTOCOL=${OTEL_EXPORTER_OTLP_PROTOCOL:-http/protobuf}
export OTEL_EXPORTER_OTLP_ENDPOINT=${OTEL_EXPORTER_OTLP_ENDPOINT:-http://127.0.0.1:$CENTRAL_OTLP_HTTP_PORT}
export OTEL_EXPORTER_OTLP_HEADERS=${OTEL_EXPORTER_OTLP_HEADERS:-Authorization=Bearer $SPANLINE_COLLECTOR_TOKEN}
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500}

pids=()
stop() {  # [exit status]: 0 for Ctrl-C or SIGTERM, 1 when a part failed
  trap - INT TERM
  echo "spanline: stopping" >&2
  # Last started first: each one flushes into the next before it stops.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  exit "${1:-0}"
}
trap 'stop 0' INT TERM

wait_for() {  # URL, what: gives up at once if the part last started has exited
  for _ in $(seq 150); do
    curl -sf --max-time 1 "$1" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "spanline: $2 did not come up ($1)" >&2
  stop 1
}

"$build/bin/traceview" --host 127.0.0.1 &
pids+=($!)
wait_for "http://127.0.0.1:$TRACEVIEW_HTTP_PORT/api/services" traceview
"$build/bin/spanline-collector" --config "$root/deploy/otelcol/central.yaml" &
pids+=($!)
wait_for "http://127.0.0.1:$CENTRAL_HEALTH_PORT/" "the central collector"
PORT=$worker_port "$build/bin/task-worker" &
pids+=($!)
wait_for "http://127.0.0.1:$worker_port/health" task-worker
PORT=$api_port WORKER_URL=http://127.0.0.1:$worker_port "$build/bin/task-api" &
pids+=($!)
wait_for "http://127.0.0.1:$api_port/health" task-api

cat >&2 <<MSG
spanline: Taskflow is up; Ctrl-C to stop
  task-api     http://127.0.0.1:$api_port    task-worker  http://127.0.0.1:$worker_port
  collector    OTLP 127.0.0.1:$CENTRAL_OTLP_GRPC_PORT (gRPC) / :$CENTRAL_OTLP_HTTP_PORT (HTTP), metrics http://127.0.0.1:$CENTRAL_METRICS_PORT/metrics
  traceview    http://127.0.0.1:$TRACEVIEW_HTTP_PORT/  (web UI; Jaeger API: /api/services, /api/traces?service=task-api)
Try:
  curl -s -X POST http://127.0.0.1:$api_port/tasks -H 'Content-Type: application/json' -d '{"text": "Fix the urgent login bug"}'
  curl -s http://127.0.0.1:$api_port/tasks
  curl -s 'http://127.0.0.1:$TRACEVIEW_HTTP_PORT/api/traces?service=task-api&limit=5'
MSG
# A part that exits on its own takes the rest down and fails (Ctrl-C goes
# through the trap instead and exits 0).
wait -n "${pids[@]}" || true
echo "spanline: a process exited on its own" >&2
stop 1
