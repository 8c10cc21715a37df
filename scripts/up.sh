#!/usr/bin/env bash
# `make up`: runs what spanline has so far — Taskflow: task-worker (8090) and
# task-api (8081), spans on the console exporter until the collector and
# traceview exist. Ctrl-C (or SIGTERM) stops both gracefully: in-flight
# requests finish and telemetry is flushed.
#
#   scripts/up.sh [BUILD_DIR]        ports: TASK_API_PORT, TASK_WORKER_PORT
set -euo pipefail
build=${1:-build}
[ $# -gt 0 ] && shift
api_port=${TASK_API_PORT:-8081}
worker_port=${TASK_WORKER_PORT:-8090}
export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-console}
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500}

pids=()
stop() {
  trap - INT TERM
  echo "spanline: stopping" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop INT TERM

PORT=$worker_port "$build/bin/task-worker" &
pids+=($!)
PORT=$api_port WORKER_URL=http://127.0.0.1:$worker_port "$build/bin/task-api" &
pids+=($!)

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$api_port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
cat >&2 <<MSG
spanline: Taskflow is up (OTEL_TRACES_EXPORTER=$OTEL_TRACES_EXPORTER); Ctrl-C to stop
  task-api     http://127.0.0.1:$api_port    task-worker  http://127.0.0.1:$worker_port
Try:
  curl -s -X POST http://127.0.0.1:$api_port/tasks -H 'Content-Type: application/json' -d '{"text": "Fix the urgent login bug"}'
  curl -s http://127.0.0.1:$api_port/tasks
  curl -s http://127.0.0.1:$api_port/health
MSG
# Exits when either service does (or on Ctrl-C through the trap).
wait -n "${pids[@]}" || true
stop
