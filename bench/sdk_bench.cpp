// SDK micro-benchmarks: span start/end costs and propagation. Figures only;
// bars live in the issue and the closing notes, never in asserts.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "spanline/telemetry/api/propagation.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/sdk/batch_span_processor.h"
#include "spanline/telemetry/sdk/counters.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace st = spanline::telemetry;

namespace {

// Discards batches: measures the SDK side of the pipeline only.
class NullExporter final : public st::SpanExporter {
 public:
  st::ExportResult export_spans(std::span<const std::unique_ptr<st::SpanData>>,
                                st::Deadline) noexcept override {
    return st::ExportResult::kSuccess;
  }
};

// Takes spans the way the OTLP protobuf exporter does (packed attributes;
// the worker encodes each batch into a request, or with encode_on_end the
// request is assembled around spans encoded where they ended) and sends
// nothing: the whole CPU cost of a span short of the network.
class EncodeOnlyExporter final : public st::SpanExporter {
 public:
  st::ExportResult export_spans(std::span<const std::unique_ptr<st::SpanData>> spans,
                                st::Deadline) noexcept override {
    body_.clear();
    st::encode_otlp_proto(spans, body_);
    benchmark::DoNotOptimize(body_.data());
    return st::ExportResult::kSuccess;
  }
  const st::SpanEncoder* span_encoder() const noexcept override {
    return &st::otlp_proto_span_encoder();
  }
  st::ExportResult export_encoded(std::string_view bytes, std::span<const st::EncodedSpan> spans,
                                  st::Deadline) noexcept override {
    body_.clear();
    st::encode_otlp_proto_encoded(bytes, spans, body_);
    benchmark::DoNotOptimize(body_.data());
    return st::ExportResult::kSuccess;
  }

 private:
  std::string body_;
};

std::unique_ptr<st::TracerProvider> make_provider(std::unique_ptr<st::Sampler> sampler,
                                                  bool encode = false) {
  st::TracerProviderOptions o;
  // The OpenTelemetry spec benchmark resource.
  o.resource = std::make_shared<const st::Resource>(std::vector<st::Attribute>{
      {"service.name", std::string("benchmark-service")},
      {"service.version", std::string("1.0.0")},
      {"service.instance.id", std::string("627cc493-f310-47de-96bd-71410b7dec09")}});
  o.sampler = std::move(sampler);
  st::BatchSpanProcessorOptions bsp;
  bsp.max_queue_size = 1 << 16;
  bsp.schedule_delay = std::chrono::milliseconds(100);
  std::unique_ptr<st::SpanExporter> exporter;
  if (encode)
    exporter = std::make_unique<EncodeOnlyExporter>();
  else
    exporter = std::make_unique<NullExporter>();
  o.processors.push_back(std::make_unique<st::BatchSpanProcessor>(std::move(exporter), bsp));
  return std::make_unique<st::TracerProvider>(std::move(o));
}

// Spans the processor could not take during a benchmark: the figure counts
// them too, so they must stay near zero for it to mean "recorded".
class DroppedSpans {
 public:
  void report(benchmark::State& state) const {
    state.counters["dropped"] = static_cast<double>(count() - before_);
  }

 private:
  static std::uint64_t count() { return st::SdkCounters::instance().snapshot().spans_dropped; }
  const std::uint64_t before_ = count();
};

// 10 attributes with 20-character keys and values (the spec's benchmark span).
const std::vector<std::pair<std::string, std::string>>& spec_attributes() {
  static const auto attrs = [] {
    std::vector<std::pair<std::string, std::string>> a;
    for (int i = 0; i < 10; ++i) {
      char key[32], value[32];
      std::snprintf(key, sizeof key, "attribute_key_%06d", i);
      std::snprintf(value, sizeof value, "attribute_val_%06d", i);
      a.emplace_back(key, value);
    }
    return a;
  }();
  return attrs;
}

void BM_SpecRecordedSpan(benchmark::State& state) {
  auto provider = make_provider(st::make_always_on_sampler());
  auto& tracer = provider->get_tracer("bench");
  const st::Context root;
  const auto& attrs = spec_attributes();
  const DroppedSpans dropped;
  for (auto _ : state) {
    auto span = tracer.start_span("benchmark-span", {.parent = &root});
    for (const auto& [k, v] : attrs) span.set_attribute(k, v);
    span.end();
  }
  state.SetItemsProcessed(state.iterations());
  provider->shutdown(st::Clock::now() + std::chrono::seconds(5));
  dropped.report(state);
}
BENCHMARK(BM_SpecRecordedSpan)->MinTime(2.0)->UseRealTime();

// Server spans as the HTTP instrumentation records them for one request (a
// POST through a route), encoded and batched as the OTLP protobuf exporter
// takes them; `set(span)` sets the attributes.
template <typename SetAttributes>
void run_server_spans(benchmark::State& state, SetAttributes&& set) {
  auto provider = make_provider(st::make_always_on_sampler(), true);
  auto& tracer = provider->get_tracer("spanline.net.http", "0.1.0");
  const st::Context root;
  const DroppedSpans dropped;
  for (auto _ : state) {
    auto span = tracer.start_span("POST /enrich", {.kind = st::SpanKind::kServer, .parent = &root});
    set(span);
    span.end();
  }
  state.SetItemsProcessed(state.iterations());
  provider->shutdown(st::Clock::now() + std::chrono::seconds(5));
  dropped.report(state);
}

// The stable semantic-convention attributes, set one by one.
void BM_HttpServerSpanEncoded(benchmark::State& state) {
  run_server_spans(state, [](st::Span& span) {
    span.set_attribute("http.request.method", std::string_view("POST"));
    span.set_attribute("url.path", std::string_view("/enrich"));
    span.set_attribute("url.scheme", std::string_view("http"));
    span.set_attribute("http.route", std::string_view("/enrich"));
    span.set_attribute("network.protocol.version", std::string_view("1.1"));
    span.set_attribute("server.address", std::string_view("127.0.0.1"));
    span.set_attribute("server.port", std::int64_t{8090});
    span.set_attribute("client.address", std::string_view("127.0.0.1"));
    span.set_attribute("user_agent.original", std::string_view("curl/7.88.1"));
    span.set_attribute("http.response.status_code", std::int64_t{201});
  });
}
BENCHMARK(BM_HttpServerSpanEncoded)->MinTime(1.0)->UseRealTime();

// The same span as the server sets it: the connection's five attributes
// (scheme, protocol, server address and port, client address) prepared once
// as an AttributeSet, the request's five set one by one.
void BM_HttpServerSpanConnectionSet(benchmark::State& state) {
  const st::AttributeSet connection({{"url.scheme", st::attr("http")},
                                     {"network.protocol.version", st::attr("1.1")},
                                     {"server.address", st::attr("127.0.0.1")},
                                     {"server.port", st::attr(std::int64_t{8090})},
                                     {"client.address", st::attr("127.0.0.1")}});
  run_server_spans(state, [&](st::Span& span) {
    span.set_attributes(connection);
    span.set_attribute("http.request.method", std::string_view("POST"));
    span.set_attribute("url.path", std::string_view("/enrich"));
    span.set_attribute("http.route", std::string_view("/enrich"));
    span.set_attribute("user_agent.original", std::string_view("curl/7.88.1"));
    span.set_attribute("http.response.status_code", std::int64_t{201});
  });
}
BENCHMARK(BM_HttpServerSpanConnectionSet)->MinTime(1.0)->UseRealTime();

void BM_SpanMinimal(benchmark::State& state) {
  auto provider = make_provider(st::make_always_on_sampler());
  auto& tracer = provider->get_tracer("bench");
  const st::Context root;
  const DroppedSpans dropped;
  for (auto _ : state) {
    auto span = tracer.start_span("span", {.parent = &root});
    span.end();
  }
  state.SetItemsProcessed(state.iterations());
  provider->shutdown(st::Clock::now() + std::chrono::seconds(5));
  dropped.report(state);
}
BENCHMARK(BM_SpanMinimal)->MinTime(1.0)->UseRealTime();

void BM_SpanUnsampled(benchmark::State& state) {
  auto provider = make_provider(st::make_always_off_sampler());
  auto& tracer = provider->get_tracer("bench");
  const st::Context root;
  for (auto _ : state) {
    auto span = tracer.start_span("span", {.parent = &root});
    span.end();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpanUnsampled)->MinTime(1.0)->UseRealTime();

void BM_SpanDisabledSdk(benchmark::State& state) {
  st::TracerProviderOptions o;
  o.disabled = true;
  st::TracerProvider provider(std::move(o));
  auto& tracer = provider.get_tracer("bench");
  const st::Context root;
  for (auto _ : state) {
    auto span = tracer.start_span("span", {.parent = &root});
    span.set_attribute("k", 1);
    span.end();
  }
}
BENCHMARK(BM_SpanDisabledSdk)->MinTime(0.5)->UseRealTime();

// The cheapest carrier: two known fields. It isolates what the propagator
// costs (the figure the bar is about) from the carrier's own lookups.
class FlatCarrier final : public st::TextMapGetter, public st::TextMapSetter {
 public:
  st::HeaderValues get_all(std::string_view name) const override {
    st::HeaderValues out;
    if (name == "traceparent") {
      out.push_back(traceparent);
    } else if (name == "tracestate") {
      out.push_back(tracestate);
    }
    return out;
  }
  void set(std::string_view name, std::string_view value) override {
    if (name == "traceparent") {
      traceparent.assign(value);
    } else if (name == "tracestate") {
      tracestate.assign(value);
    }
  }
  std::string traceparent, tracestate;
};

// A sorted map carrier, closer to what an HTTP layer's header table costs.
class MapCarrier final : public st::TextMapGetter, public st::TextMapSetter {
 public:
  st::HeaderValues get_all(std::string_view name) const override {
    st::HeaderValues out;
    if (auto it = headers.find(name); it != headers.end()) out.push_back(it->second);
    return out;
  }
  void set(std::string_view name, std::string_view value) override {
    headers[std::string(name)].assign(value);
  }
  std::map<std::string, std::string, std::less<>> headers;
};

template <typename Carrier>
void traceparent_round_trip(benchmark::State& state, Carrier& in, Carrier& out,
                            bool with_tracestate = true) {
  st::W3CTraceContextPropagator propagator;
  in.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  if (with_tracestate) in.set("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  out.set("traceparent", std::string(64, ' '));
  out.set("tracestate", std::string(64, ' '));
  const st::Context empty;
  for (auto _ : state) {
    st::Context ctx = propagator.extract(in, empty);
    propagator.inject(ctx, out);
    benchmark::DoNotOptimize(&out);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_TraceparentRoundTrip(benchmark::State& state) {
  FlatCarrier in, out;
  traceparent_round_trip(state, in, out);
}
BENCHMARK(BM_TraceparentRoundTrip)->MinTime(1.0)->UseRealTime();

void BM_TraceparentOnlyRoundTrip(benchmark::State& state) {
  FlatCarrier in, out;
  traceparent_round_trip(state, in, out, false);
}
BENCHMARK(BM_TraceparentOnlyRoundTrip)->MinTime(1.0)->UseRealTime();

void BM_TraceparentRoundTripMapCarrier(benchmark::State& state) {
  MapCarrier in, out;
  traceparent_round_trip(state, in, out);
}
BENCHMARK(BM_TraceparentRoundTripMapCarrier)->MinTime(1.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
