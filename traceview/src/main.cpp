// traceview: OTLP ingest (gRPC 14317, HTTP 14318) into an in-memory trace
// store, and the Jaeger query API on 16686.
//
//   traceview [--host H] [--otlp-grpc-port P] [--otlp-http-port P]
//             [--http-port P] [--max-traces N] [--max-mib M] [--data-dir DIR]
//             [--ui-dir DIR]
//
// Each flag has an environment variable (TRACEVIEW_HOST,
// TRACEVIEW_OTLP_GRPC_PORT, TRACEVIEW_OTLP_HTTP_PORT, TRACEVIEW_HTTP_PORT,
// TRACEVIEW_MAX_TRACES, TRACEVIEW_MAX_MIB, TRACEVIEW_DATA_DIR,
// TRACEVIEW_UI_DIR); flags win.
// Port 0 picks a free port; the "traceview started" log line says which.
// --data-dir turns persistence on (persistence.h): what was acknowledged is
// there again after a restart. SIGTERM or SIGINT: stop ingest, then the API,
// exit 0. Exit 2 on a bad command line, 1 when a port or the data directory
// cannot be opened.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api.h"
#include "assets.h"
#include "extensions/http_endpoint.h"
#include "persistence.h"
#include "pipeline/metrics.h"
#include "receivers/otlp_receiver.h"
#include "spanline/net/log.h"
#include "spanline/net/server.h"
#include "store.h"

namespace {

namespace sc = spanline::collector;
namespace st = spanline::traceview;
namespace net = spanline::net;

struct Args {
  std::string host = "localhost";
  unsigned grpc_port = 14317;
  unsigned http_port = 14318;
  unsigned ui_port = 16686;
  std::size_t max_traces = 100'000;
  std::size_t max_mib = 1024;
  std::string data_dir;  // empty: memory only
  std::string ui_dir;    // empty: the embedded UI
};

constexpr const char* kUsage =
    "usage: traceview [--host H] [--otlp-grpc-port P] [--otlp-http-port P] [--http-port P]\n"
    "                 [--max-traces N] [--max-mib M] [--data-dir DIR] [--ui-dir DIR]\n"
    "  --host            address to listen on (TRACEVIEW_HOST, default localhost)\n"
    "  --otlp-grpc-port  OTLP/gRPC ingest (TRACEVIEW_OTLP_GRPC_PORT, default 14317)\n"
    "  --otlp-http-port  OTLP/HTTP ingest (TRACEVIEW_OTLP_HTTP_PORT, default 14318)\n"
    "  --http-port       query API and UI (TRACEVIEW_HTTP_PORT, default 16686)\n"
    "  --max-traces      traces kept before the oldest is evicted (TRACEVIEW_MAX_TRACES, 100000)\n"
    "  --max-mib         store size before the oldest is evicted (TRACEVIEW_MAX_MIB, 1024)\n"
    "  --data-dir        keep traces across restarts in DIR/traces.log (TRACEVIEW_DATA_DIR; off)\n"
    "  --ui-dir          serve the web UI from DIR instead of the embedded copy "
    "(TRACEVIEW_UI_DIR)\n";

bool parse_number(std::string_view text, std::size_t max, std::size_t& out) {
  std::size_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || v > max)
    return false;
  out = v;
  return true;
}

// Applies one setting by name from a flag or the environment; false with a
// message on stderr when the value is bad.
bool apply(Args& a, std::string_view name, std::string_view value, std::string_view source) {
  std::size_t n = 0;
  auto number = [&](std::size_t max) {
    if (parse_number(value, max, n)) return true;
    std::fprintf(stderr, "traceview: %.*s: '%.*s' is not a number from 0 to %zu\n",
                 static_cast<int>(source.size()), source.data(), static_cast<int>(value.size()),
                 value.data(), max);
    return false;
  };
  if (name == "host") {
    if (value.empty()) {
      std::fprintf(stderr, "traceview: %.*s: empty host\n", static_cast<int>(source.size()),
                   source.data());
      return false;
    }
    a.host = value;
  } else if (name == "otlp-grpc-port") {
    if (!number(65535)) return false;
    a.grpc_port = static_cast<unsigned>(n);
  } else if (name == "otlp-http-port") {
    if (!number(65535)) return false;
    a.http_port = static_cast<unsigned>(n);
  } else if (name == "http-port") {
    if (!number(65535)) return false;
    a.ui_port = static_cast<unsigned>(n);
  } else if (name == "max-traces") {
    if (!number(std::size_t{1} << 40)) return false;
    a.max_traces = n;
  } else if (name == "data-dir") {
    a.data_dir = value;
  } else if (name == "ui-dir") {
    a.ui_dir = value;
  } else if (name == "max-mib") {
    if (!number(std::size_t{1} << 30)) return false;
    a.max_mib = n;
  }
  return true;
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  const std::pair<const char*, const char*> env[] = {{"host", "TRACEVIEW_HOST"},
                                                     {"otlp-grpc-port", "TRACEVIEW_OTLP_GRPC_PORT"},
                                                     {"otlp-http-port", "TRACEVIEW_OTLP_HTTP_PORT"},
                                                     {"http-port", "TRACEVIEW_HTTP_PORT"},
                                                     {"max-traces", "TRACEVIEW_MAX_TRACES"},
                                                     {"max-mib", "TRACEVIEW_MAX_MIB"},
                                                     {"data-dir", "TRACEVIEW_DATA_DIR"},
                                                     {"ui-dir", "TRACEVIEW_UI_DIR"}};
  for (const auto& [name, var] : env)
    if (const char* v = std::getenv(var); v != nullptr && !apply(a, name, v, var))
      return std::nullopt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    bool known = false;
    for (const auto& [name, var] : env) known = known || flag == std::string("--") + name;
    if (!known || i + 1 >= argc) {
      std::fprintf(stderr, "traceview: %s '%s'\n%s",
                   known ? "missing value for" : "unknown argument", argv[i], kUsage);
      return std::nullopt;
    }
    if (!apply(a, flag.substr(2), argv[++i], flag)) return std::nullopt;
  }
  return a;
}

// The pipeline's end: every request goes into the store.
class StoreConsumer final : public sc::TracesConsumer {
 public:
  StoreConsumer(st::TraceStore& store, st::Persistence* persistence)
      : store_(store), persistence_(persistence) {}
  sc::ConsumeResult consume(sc::Traces traces) noexcept override {
    try {
      if (persistence_ != nullptr) {
        if (!persistence_->add(std::move(traces)))
          return sc::ConsumeResult::retryable("traceview cannot write its log");
        return sc::ConsumeResult::ok();
      }
      for (auto* request : traces.requests()) store_.add(*request);
      return sc::ConsumeResult::ok();
    } catch (const std::exception& e) {
      return sc::ConsumeResult::retryable(std::string("traceview cannot store the spans: ") +
                                          e.what());
    }
  }

 private:
  st::TraceStore& store_;
  st::Persistence* persistence_;
};

std::string endpoint(const std::string& host, unsigned port) {
  return host + ":" + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) return 2;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  st::TraceStore store({args->max_traces, args->max_mib * 1024 * 1024});
  std::unique_ptr<st::Persistence> persistence;
  if (!args->data_dir.empty()) {
    try {
      persistence = std::make_unique<st::Persistence>(args->data_dir, store);
    } catch (const std::exception& e) {
      net::log_error("traceview cannot open its data directory", {{"error.message", e.what()}});
      return 1;
    }
    const auto& loaded = persistence->loaded();
    net::log_info("traceview loaded its log", {{"records", loaded.records},
                                               {"spans", loaded.spans},
                                               {"traces", store.stats().traces},
                                               {"dropped.bytes", loaded.dropped_bytes}});
  }
  StoreConsumer consumer(store, persistence.get());
  sc::Metrics metrics;
  sc::OtlpReceiverConfig rc;
  rc.grpc = sc::OtlpGrpcServerConfig{};
  rc.grpc->endpoint = endpoint(args->host, args->grpc_port);
  rc.grpc->max_recv_msg_size_mib = 64;
  rc.http = sc::OtlpHttpServerConfig{};
  rc.http->endpoint = endpoint(args->host, args->http_port);
  rc.http->max_request_body_size = 64 * 1024 * 1024;
  sc::OtlpReceiver receiver("otlp", rc, metrics, {});
  receiver.set_next(&consumer);

  net::Router router;
  st::add_query_api(router, store);
  st::add_query_api_v3(router, store);
  st::add_ui_routes(router, args->ui_dir);
  std::unique_ptr<net::Server> api;
  try {
    receiver.start();
    api = sc::start_http_server(endpoint(args->host, args->ui_port), std::move(router), {});
  } catch (const std::exception& e) {
    net::log_error("traceview cannot start", {{"error.message", e.what()}});
    receiver.shutdown(sc::Clock::now());
    return 1;
  }
  net::log_info("traceview started", {{"otlp.grpc.port", receiver.grpc_port()},
                                      {"otlp.http.port", receiver.http_port()},
                                      {"http.port", api->port()}});
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  net::log_info("shutting down", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  receiver.shutdown(sc::Clock::now() + std::chrono::seconds(5));
  api->shutdown(std::chrono::seconds(5));
  const auto stats = store.stats();
  net::log_info("traceview stopped", {{"traces", stats.traces}, {"spans", stats.spans}});
  return 0;
}
