// The whole life of a service process in one call, so that a service's
// main is its routes and a return statement.
#pragma once

#include <optional>
#include <string_view>

#include "spanline/net/server.h"

namespace spanline::net {

// Sets telemetry up from the OTEL_* environment (`service_name` unless
// OTEL_SERVICE_NAME says otherwise), serves `router` until SIGINT or
// SIGTERM, then shuts down gracefully: stops accepting, lets in-flight
// requests finish within options.drain_timeout, flushes telemetry.
// `options` defaults to ServerOptions::from_env(). Returns the process exit
// code: 0 after a signal; 1 when the configuration is invalid or the server
// could not start (the reason is logged). Call from main before starting threads:
// it blocks SIGINT and SIGTERM in the calling thread (threads started later
// inherit that) and waits for them with sigwait.
int run_service(std::string_view service_name, Router router,
                std::optional<ServerOptions> options = std::nullopt);

}  // namespace spanline::net
