// spanline-demo: a small program that exercises the SDK the way a service
// would — a server span per simulated request, a client span that carries
// the context in headers, a remote "worker" span continued from those
// headers, events, an error now and then — and exports them as configured by
// the OTEL_* environment (console exporter under `make up`).
//
//   spanline-demo [--requests N] [--interval-ms MS]
// Runs until N requests are done (0 = forever) or SIGINT/SIGTERM, then
// flushes telemetry and exits 0.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include "spanline/telemetry/setup.h"

namespace st = spanline::telemetry;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

// Headers as a map: what an HTTP client would write and a server read.
class Headers final : public st::TextMapGetter, public st::TextMapSetter {
 public:
  st::HeaderValues get_all(std::string_view name) const override {
    auto it = map_.find(name);
    if (it == map_.end()) return {};
    return {it->second};
  }
  void set(std::string_view name, std::string_view value) override {
    map_[std::string(name)] = std::string(value);
  }

 private:
  std::map<std::string, std::string, std::less<>> map_;
};

void handle_request(st::Tracer& tracer, int n) {
  auto server = tracer.start_span("POST /tasks", {.kind = st::SpanKind::kServer,
                                                  .root = true,
                                                  .attributes = {
                                                      {"http.request.method", std::string("POST")},
                                                      {"url.path", std::string("/tasks")},
                                                      {"http.route", std::string("/tasks")},
                                                  }});
  const st::Context ctx = server.context_for_children(st::Context{});
  Headers headers;
  {
    auto client = tracer.start_span("POST", st::SpanKind::kClient, ctx);
    client.set_attribute("server.address", "localhost");
    client.set_attribute("server.port", 8090);
    st::global_propagator().inject(client.context_for_children(ctx), headers);
    // The "worker" continues the trace from the headers alone.
    const st::Context remote = st::global_propagator().extract(headers, st::Context{});
    auto worker = tracer.start_span("POST /enrich", st::SpanKind::kServer, remote);
    worker.add_event("enrichment.computed", {{"priority", std::string(n % 3 ? "low" : "high")}});
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + n % 5));
    if (n % 7 == 6) {
      worker.record_exception("TimeoutError", "enrichment took too long");
      worker.set_status(st::StatusCode::kError, "enrichment timed out");
      client.set_attribute("http.response.status_code", 504);
      client.set_status(st::StatusCode::kError);
    } else {
      client.set_attribute("http.response.status_code", 200);
    }
  }
  server.set_attribute("http.response.status_code", 201);
}

}  // namespace

int main(int argc, char** argv) {
  long requests = 0;
  int interval_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--requests" && i + 1 < argc) {
      requests = std::atol(argv[++i]);
    } else if (a == "--interval-ms" && i + 1 < argc) {
      interval_ms = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--requests N] [--interval-ms MS]\n", argv[0]);
      return a == "--help" ? 0 : 2;
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  st::setup_from_env({.service_name = "spanline-demo"});
  auto& tracer = st::global_tracer_provider().get_tracer("spanline-demo", "0.1.0");
  for (long n = 0; !g_stop && (requests == 0 || n < requests); ++n) {
    handle_request(tracer, static_cast<int>(n));
    for (int slept = 0; slept < interval_ms && !g_stop; slept += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, interval_ms - slept)));
  }
  return st::shutdown_global() ? 0 : 1;
}
