// otlp_body: writes one OTLP/HTTP protobuf request body (an
// ExportTraceServiceRequest) for the collector and traceview benchmarks.
//
//   otlp_body --out FILE [--spans N] [--attributes A]
//
// N spans (default 500) of 10 traces, each with A attributes (default 10:
// the two sequence numbers the OpenTelemetry Collector's load generator sets
// and string attributes in the shape of HTTP semantic conventions), one
// resource with a service name, encoded by the SDK's OTLP encoder. Prints
// {"spans", "bytes"} on stdout.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace st = spanline::telemetry;

namespace {

struct Args {
  std::string out;
  int spans = 500;
  int attributes = 10;
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s --out FILE [--spans N] [--attributes A]\n", argv0);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const char* v = argv[++i];
    if (k == "--out")
      a.out = v;
    else if (k == "--spans")
      a.spans = std::atoi(v);
    else if (k == "--attributes")
      a.attributes = std::atoi(v);
    else
      usage(argv[0]);
  }
  if (a.out.empty() || a.spans <= 0 || a.attributes < 2) usage(argv[0]);
  return a;
}

template <typename Id>
Id make_id(std::uint64_t seed) {
  Id id;
  for (auto& byte : id.bytes()) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    byte = static_cast<std::uint8_t>(seed >> 56);
  }
  return id;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  auto resource = std::make_shared<const st::Resource>(std::vector<st::Attribute>{
      {"service.name", std::string("load-generator")},
      {"service.instance.id", std::string("627cc493-f310-47de-96bd-71410b7dec09")}});
  auto scope = std::make_shared<const st::InstrumentationScope>(
      st::InstrumentationScope{.name = "spanline-bench", .version = "1.0.0"});
  const std::uint64_t base_ns = 1'763'800'000'000'000'000ULL;
  constexpr int kTraces = 10;
  std::vector<std::unique_ptr<st::SpanData>> spans;
  for (int i = 0; i < args.spans; ++i) {
    auto s = std::make_unique<st::SpanData>();
    const int trace = i % kTraces;
    s->trace_id = make_id<st::TraceId>(static_cast<std::uint64_t>(trace) + 1);
    s->span_id = make_id<st::SpanId>(static_cast<std::uint64_t>(i) + 1000);
    if (i >= kTraces)
      s->parent_span_id = make_id<st::SpanId>(static_cast<std::uint64_t>(trace) + 1000);
    s->trace_flags = 1;
    s->name = "load-generator-span";
    s->kind = i < kTraces ? st::SpanKind::kServer : st::SpanKind::kClient;
    s->start_unix_nano = base_ns + static_cast<std::uint64_t>(i) * 1000;
    s->end_unix_nano = s->start_unix_nano + 250'000;
    s->attributes.emplace_back("load_generator.span_seq_num", std::int64_t{i});
    s->attributes.emplace_back("load_generator.trace_seq_num", std::int64_t{trace});
    for (int a = 2; a < args.attributes; ++a) {
      char key[40], value[40];
      std::snprintf(key, sizeof key, "attribute_key_%02d", a);
      std::snprintf(value, sizeof value, "attribute_value_%02d_%06d", a, i);
      s->attributes.emplace_back(key, std::string(value));
    }
    s->resource = resource;
    s->scope = scope;
    spans.push_back(std::move(s));
  }
  std::string body;
  st::encode_otlp_proto(spans, body);
  std::ofstream out(args.out, std::ios::binary);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  if (!out) {
    std::fprintf(stderr, "otlp_body: cannot write %s\n", args.out.c_str());
    return 1;
  }
  std::printf("{\"spans\": %d, \"bytes\": %zu}\n", args.spans, body.size());
  return 0;
}
