// End-to-end SDK export benchmark: spec spans created, ended and exported
// through the OTLP/HTTP-protobuf exporter to a receiver given on the command
// line. Prints one JSON object with its figures.
//
//   sdk_export_bench --endpoint http://127.0.0.1:PORT/v1/traces [--spans N]
//   sdk_export_bench --dead --seconds 10      (exporter endpoint refuses: queue-full RSS)
//
// The producer applies its own backpressure (it waits while more than 3/4 of
// the queue is in flight) so the exported figure counts every span: none
// dropped. Run it pinned to one core (taskset) to measure one core.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "spanline/telemetry/exporters/otlp_exporter.h"
#include "spanline/telemetry/sdk/batch_span_processor.h"
#include "spanline/telemetry/sdk/counters.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace st = spanline::telemetry;
using namespace std::chrono_literals;

namespace {

double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

struct Args {
  std::string endpoint = "http://127.0.0.1:1/v1/traces";
  long spans = 2'000'000;
  double seconds = 10;
  bool dead = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "--endpoint")
      a.endpoint = next();
    else if (k == "--spans")
      a.spans = std::stol(next());
    else if (k == "--seconds")
      a.seconds = std::stod(next());
    else if (k == "--dead")
      a.dead = true;
    else {
      std::fprintf(stderr, "usage: %s [--endpoint URL] [--spans N] [--dead --seconds S]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  st::OtlpExporterOptions xo;
  xo.protocol = st::OtlpProtocol::kHttpProtobuf;
  xo.endpoint = args.endpoint;
  xo.timeout = 2s;
  xo.retry.enabled = !args.dead;
  xo.overlap_answers = true;  // as setup_from_env builds it
  st::BatchSpanProcessorOptions bo;
  bo.max_queue_size = 8192;
  bo.max_export_batch_size = 512;
  bo.schedule_delay = 100ms;
  bo.export_timeout = 5s;

  st::TracerProviderOptions po;
  po.resource = std::make_shared<const st::Resource>(std::vector<st::Attribute>{
      {"service.name", std::string("benchmark-service")},
      {"service.version", std::string("1.0.0")},
      {"service.instance.id", std::string("627cc493-f310-47de-96bd-71410b7dec09")}});
  po.sampler = st::make_always_on_sampler();
  po.processors.push_back(std::make_unique<st::BatchSpanProcessor>(st::make_otlp_exporter(xo), bo));
  auto provider = std::make_unique<st::TracerProvider>(std::move(po));
  auto& tracer = provider->get_tracer("bench");

  std::vector<std::pair<std::string, std::string>> attrs;
  for (int i = 0; i < 10; ++i) {
    char key[32], value[32];
    std::snprintf(key, sizeof key, "attribute_key_%06d", i);
    std::snprintf(value, sizeof value, "attribute_val_%06d", i);
    attrs.emplace_back(key, value);
  }
  auto& counters = st::SdkCounters::instance();
  const st::Context root;
  const auto start = std::chrono::steady_clock::now();
  const auto stop_at = start + std::chrono::duration<double>(args.seconds);
  const auto half_at = start + std::chrono::duration<double>(args.seconds / 2);
  double rss_half = 0;
  long made = 0;
  for (;; ++made) {
    if (args.dead && (made & 1023) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= stop_at) break;
      // RSS half-way and at the end: equal figures show memory is bounded.
      if (rss_half == 0 && now >= half_at) rss_half = rss_mib();
    }
    if (!args.dead && made >= args.spans) break;
    if (!args.dead && (made & 255) == 0) {
      for (;;) {
        auto s = counters.snapshot();
        auto settled = s.spans_exported + s.spans_dropped + s.spans_export_failed;
        if (s.spans_ended - settled < bo.max_queue_size * 3 / 4) break;
        std::this_thread::sleep_for(20us);
      }
    }
    auto span = tracer.start_span("benchmark-span", {.parent = &root});
    for (const auto& [k, v] : attrs) span.set_attribute(k, v);
  }
  const double rss_before_shutdown = rss_mib();
  provider->force_flush(std::chrono::steady_clock::now() + 30s);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto s = counters.snapshot();
  std::printf(
      "{\"spans\": %ld, \"seconds\": %.3f, \"exported\": %llu, \"dropped\": %llu, "
      "\"failed\": %llu, \"exported_spans_per_s\": %.0f, \"rss_mib\": %.1f, "
      "\"rss_half_mib\": %.1f}\n",
      made, elapsed, static_cast<unsigned long long>(s.spans_exported),
      static_cast<unsigned long long>(s.spans_dropped),
      static_cast<unsigned long long>(s.spans_export_failed),
      static_cast<double>(s.spans_exported) / elapsed, rss_before_shutdown, rss_half);
  provider->shutdown(std::chrono::steady_clock::now() + 2s);
  return 0;
}
