// setup_from_env: the OTEL_* environment turned into a working SDK. Each test
// sets the variables it needs and runs in its own process (ctest runs every
// test case separately), so the global provider is fresh.
#include "spanline/telemetry/setup.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "exporters/otlp_fake_collectors.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

class Headers final : public TextMapGetter, public TextMapSetter {
 public:
  HeaderValues get_all(std::string_view name) const override {
    auto it = map.find(std::string(name));
    if (it == map.end()) return {};
    return {it->second};
  }
  void set(std::string_view name, std::string_view value) override {
    map[std::string(name)] = std::string(value);
  }
  std::map<std::string, std::string> map;
};

void clear_env() {
  for (auto* v : {"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
                  "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_TRACES_EXPORTER",
                  "OTEL_PROPAGATORS", "SPANLINE_CONSOLE_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT",
                  "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"})
    unsetenv(v);
}

TEST(Setup, ConsoleExporterServiceNameAndDefaultPropagators) {
  clear_env();
  setenv("OTEL_TRACES_EXPORTER", "console", 1);
  setenv("OTEL_SERVICE_NAME", "setup-test", 1);
  auto& provider = setup_from_env({.service_name = "ignored"});
  EXPECT_EQ(&provider, &global_tracer_provider());
  EXPECT_EQ(to_display_string(*provider.resource().find("service.name")), "setup-test");
  const auto before = SdkCounters::instance().snapshot();
  auto span = provider.get_tracer("t").start_span("op");
  ASSERT_TRUE(span.is_recording());
  Headers h;
  auto ctx = span.context_for_children(Context{}).with_baggage(Baggage::parse("k=v"));
  global_propagator().inject(ctx, h);
  EXPECT_EQ(h.map.count("traceparent"), 1u);
  EXPECT_EQ(h.map["baggage"], "k=v");
  span.end();
  EXPECT_TRUE(shutdown_global());
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before.spans_exported, 1u);
  clear_env();
}

// The OTLP exporter setup_from_env builds does not wait for each answer
// (OtlpExporterOptions::overlap_answers): a batch is counted once its answer
// is read, here at shutdown, as the schedule delay is far off.
TEST(Setup, OtlpExporterOverlapsAnswersWithTheNextBatch) {
  clear_env();
  otlp_test::FakeHttpCollector server;
  setenv("OTEL_TRACES_EXPORTER", "otlp", 1);
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url("").c_str(), 1);
  setenv("OTEL_BSP_SCHEDULE_DELAY", "600000", 1);
  setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4", 1);
  auto& provider = setup_from_env();
  const auto before = SdkCounters::instance().snapshot();
  for (int i = 0; i < 4; ++i) provider.get_tracer("t").start_span("op").end();
  ASSERT_TRUE(server.wait_for_requests(1));
  EXPECT_EQ(server.requests()[0].target, "/v1/traces");
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before.spans_exported, 0u);
  EXPECT_TRUE(shutdown_global());
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before.spans_exported, 4u);
  EXPECT_EQ(server.requests().size(), 1u);
  clear_env();
}

TEST(Setup, DisabledSdkRecordsNothing) {
  clear_env();
  setenv("OTEL_SDK_DISABLED", "TRUE", 1);
  auto& provider = setup_from_env();
  EXPECT_TRUE(provider.disabled());
  EXPECT_FALSE(provider.get_tracer("t").start_span("op").is_recording());
  clear_env();
}

TEST(Setup, SamplerAndPropagatorsFromEnv) {
  clear_env();
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  setenv("OTEL_TRACES_SAMPLER", "always_off", 1);
  setenv("OTEL_PROPAGATORS", "b3multi,bogus", 1);
  auto& provider = setup_from_env();
  auto span = provider.get_tracer("t").start_span("op");
  EXPECT_FALSE(span.is_recording());
  Headers h;
  global_propagator().inject(span.context_for_children(Context{}), h);
  EXPECT_EQ(h.map.count("traceparent"), 0u);
  EXPECT_EQ(h.map.count("x-b3-traceid"), 1u);
  clear_env();
}

}  // namespace
}  // namespace spanline::telemetry
