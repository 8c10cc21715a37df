// traceview_load: sends N distinct traces to an OTLP/HTTP protobuf endpoint
// (traceview's ingest) as fast as it accepts them, and prints
// {"spans", "traces", "requests", "failed", "seconds", "spans_per_s"}.
//
//   traceview_load --url http://127.0.0.1:PORT/v1/traces --traces N
//                  [--spans-per-trace 10] [--traces-per-request 50] [--senders 2]
//
// Each trace is a tree of spans across 5 services, 4 operations each, with
// 10 attributes per span (HTTP semantic conventions, a customer id, a
// region; 2% of spans answer 500 and are errors). Start times spread over
// the hour before now; durations 1–100 ms.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/exporters/otlp_sender.h"

namespace st = spanline::telemetry;
using namespace std::chrono_literals;

namespace {

struct Args {
  std::string url;
  long traces = 0;
  int spans_per_trace = 10;
  int traces_per_request = 50;
  int senders = 2;
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --url URL --traces N [--spans-per-trace S] [--traces-per-request R] "
               "[--senders K]\n",
               argv0);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const char* v = argv[++i];
    if (k == "--url")
      a.url = v;
    else if (k == "--traces")
      a.traces = std::atol(v);
    else if (k == "--spans-per-trace")
      a.spans_per_trace = std::atoi(v);
    else if (k == "--traces-per-request")
      a.traces_per_request = std::atoi(v);
    else if (k == "--senders")
      a.senders = std::atoi(v);
    else
      usage(argv[0]);
  }
  if (a.url.empty() || a.traces <= 0 || a.spans_per_trace <= 0 || a.traces_per_request <= 0 ||
      a.senders <= 0)
    usage(argv[0]);
  return a;
}

constexpr int kServices = 5;
constexpr const char* kRegions[] = {"us-east", "eu-west", "ap-south", "sa-east"};

class Generator {
 public:
  Generator(const Args& args, std::uint64_t seed) : args_(args), rng_(seed) {
    for (int s = 0; s < kServices; ++s)
      resources_.push_back(std::make_shared<const st::Resource>(
          std::vector<st::Attribute>{{"service.name", "service-" + std::to_string(s)},
                                     {"service.version", std::string("1.4.2")},
                                     {"host.name", "host-" + std::to_string(s)}}));
    scope_ = std::make_shared<const st::InstrumentationScope>(
        st::InstrumentationScope{.name = "spanline-bench", .version = "1.0.0"});
  }

  // One request holding traces [first, first + count).
  std::string request(long first, long count, std::uint64_t now_ns) {
    std::vector<std::unique_ptr<st::SpanData>> spans;
    const std::uint64_t hour = 3'600'000'000'000ULL;
    for (long t = first; t < first + count; ++t) {
      st::TraceId trace_id;
      for (auto& b : trace_id.bytes()) b = static_cast<std::uint8_t>(rng_());
      const std::uint64_t trace_start =
          now_ns - hour +
          static_cast<std::uint64_t>(t) * (hour / static_cast<std::uint64_t>(args_.traces));
      std::vector<st::SpanId> ids;
      for (int i = 0; i < args_.spans_per_trace; ++i) {
        auto s = std::make_unique<st::SpanData>();
        s->trace_id = trace_id;
        for (auto& b : s->span_id.bytes()) b = static_cast<std::uint8_t>(rng_());
        if (i > 0) s->parent_span_id = ids[static_cast<std::size_t>((i - 1) / 2)];
        ids.push_back(s->span_id);
        const int service = i % kServices;
        s->resource = resources_[static_cast<std::size_t>(service)];
        s->scope = scope_;
        s->trace_flags = 1;
        s->kind = i == 0 ? st::SpanKind::kServer
                         : (i % 2 ? st::SpanKind::kClient : st::SpanKind::kServer);
        s->name = "op-" + std::to_string(service) + "-" + std::to_string(i % 4);
        s->start_unix_nano = trace_start + static_cast<std::uint64_t>(i) * 100'000;
        s->end_unix_nano = s->start_unix_nano + 1'000'000 + rng_() % 99'000'000;
        const bool error = rng_() % 50 == 0;
        s->attributes = {
            {"http.request.method", std::string(i % 3 ? "GET" : "POST")},
            {"http.response.status_code", std::int64_t{error ? 500 : 200}},
            {"url.path", "/api/items/" + std::to_string(rng_() % 10000)},
            {"url.scheme", std::string("http")},
            {"server.address", "service-" + std::to_string(service)},
            {"server.port", std::int64_t{8080}},
            {"network.protocol.version", std::string("1.1")},
            {"customer.id", "c-" + std::to_string(t % 1000)},
            {"cloud.region", std::string(kRegions[t % 4])},
            {"user_agent.original", std::string("spanline-bench/1.0")},
        };
        if (error) s->status = {st::StatusCode::kError, "upstream answered 500"};
        spans.push_back(std::move(s));
      }
    }
    std::string body;
    st::encode_otlp_proto(spans, body);
    return body;
  }

 private:
  const Args& args_;
  std::mt19937_64 rng_;
  std::vector<std::shared_ptr<const st::Resource>> resources_;
  std::shared_ptr<const st::InstrumentationScope> scope_;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const auto now_ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::atomic<long> next{0};
  std::atomic<long> requests{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < args.senders; ++k) {
    threads.emplace_back([&, k] {
      st::OtlpExporterOptions o;
      o.protocol = st::OtlpProtocol::kHttpProtobuf;
      o.endpoint = args.url;
      o.timeout = 30s;
      o.retry.enabled = true;
      auto sender = st::OtlpSender::make(o);
      Generator gen(args, 1234 + static_cast<std::uint64_t>(k));
      for (;;) {
        const long first = next.fetch_add(args.traces_per_request);
        if (first >= args.traces) break;
        const long count = std::min<long>(args.traces_per_request, args.traces - first);
        const std::string body = gen.request(first, count, now_ns);
        const auto out = sender->send(body, std::chrono::steady_clock::now() + 60s);
        ++requests;
        if (out.status != st::OtlpSendOutcome::Status::kOk) {
          ++failed;
          std::fprintf(stderr, "traceview_load: %s\n", out.error.c_str());
        }
      }
      sender->shutdown();
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long spans = args.traces * args.spans_per_trace;
  std::printf(
      "{\"spans\": %ld, \"traces\": %ld, \"requests\": %ld, \"failed\": %ld, \"seconds\": %.3f, "
      "\"spans_per_s\": %.0f}\n",
      spans, args.traces, requests.load(), failed.load(), seconds,
      static_cast<double>(spans) / seconds);
  return failed.load() == 0 ? 0 : 1;
}
