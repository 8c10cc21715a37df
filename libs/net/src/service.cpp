#include "spanline/net/service.h"

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <string>

#include "spanline/net/log.h"
#include "spanline/telemetry/setup.h"

namespace spanline::net {
namespace {

// Blocks SIGINT and SIGTERM in the calling thread. Done before any thread
// exists, every thread inherits the mask, and the signals wait for
// sigwait() instead of killing the process from whichever thread they hit.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int serve_until_signal(std::string_view service_name, Router router, ServerOptions options,
                       const sigset_t& signals) {
  const auto drain_timeout = options.drain_timeout;
  Server server(std::move(router), std::move(options));
  if (auto started = server.start(); !started) {
    log_error("server failed to start",
              {{"service", service_name}, {"error.message", started.error().message()}});
    return 1;
  }
  log_info("listening", {{"service", service_name}, {"port", server.port()}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log_info("shutting down",
           {{"service", service_name}, {"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  if (!server.shutdown(drain_timeout))
    log_warn("in-flight requests did not finish in time", {{"service", service_name}});
  return 0;
}

}  // namespace

int run_service(std::string_view service_name, Router router,
                std::optional<ServerOptions> options) {
  const sigset_t signals = block_stop_signals();
  int code = 1;
  try {
    telemetry::SetupOptions setup;
    setup.service_name = std::string(service_name);
    telemetry::setup_from_env(setup);
    if (!options) options = ServerOptions::from_env();
    code = serve_until_signal(service_name, std::move(router), std::move(*options), signals);
  } catch (const std::exception& e) {
    log_error("startup failed", {{"service", service_name}, {"error.message", e.what()}});
  }
  telemetry::shutdown_global();
  if (code == 0) log_info("stopped", {{"service", service_name}});
  return code;
}

}  // namespace spanline::net
