#!/usr/bin/env bash
# `make up`: runs what spanline has so far. Today that is the SDK demo
# program exporting its spans to the console; the services, the collector and
# traceview join here as they land. Ctrl-C stops it (telemetry is flushed).
set -euo pipefail
build=${1:-build}
[ $# -gt 0 ] && shift
export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-spanline-demo}
export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-console}
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500}
echo "spanline: running spanline-demo (OTEL_TRACES_EXPORTER=$OTEL_TRACES_EXPORTER); Ctrl-C to stop" >&2
exec "$build/bin/spanline-demo" "$@"
