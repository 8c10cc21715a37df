// One-call SDK setup from the standard OTEL_* environment, for services.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "spanline/telemetry/api/propagation.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry {

struct SetupOptions {
  // service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one.
  std::optional<std::string> service_name;
};

// Reads OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER(_ARG), OTEL_SPAN_* limits, OTEL_BSP_*,
// OTEL_TRACES_EXPORTER (otlp, console, none; comma-separated list allowed),
// OTEL_EXPORTER_OTLP_* and OTEL_PROPAGATORS; installs the global tracer
// provider and propagator; returns the provider. Problems with variables are
// logged once to stderr and fall back to defaults.
TracerProvider& setup_from_env(const SetupOptions& options = {});

// Flushes and shuts the global provider down (for SIGTERM handlers and exit).
bool shutdown_global(std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace spanline::telemetry
