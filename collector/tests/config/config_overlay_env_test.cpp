// Overlay merging of several files and ${...} expansion.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
using test::fails_with;
using test::has_message;
using test::loads_cleanly;
using test::settings_of;
using Load = test::Load;

TEST(ConfigOverlay, MapsMergeListsAndScalarsReplace) {
  LoadResult r = load_config(
      {test::testdata("overlay_base.yaml"), test::testdata("overlay_top.yaml")}, test::options());
  ASSERT_TRUE(loads_cleanly(r));
  const Config& c = *r.config;
  const auto& otlp = settings_of<OtlpReceiverConfig>(c.receivers, "otlp");
  EXPECT_EQ(otlp.grpc->endpoint, "0.0.0.0:5317");  // replaced
  ASSERT_TRUE(otlp.http);                          // kept from the base
  EXPECT_EQ(otlp.http->endpoint, "localhost:4318");
  const auto& batch = settings_of<BatchProcessorConfig>(c.processors, "batch");
  EXPECT_EQ(batch.timeout, 1s);           // base
  EXPECT_EQ(batch.send_batch_size, 50u);  // top
  ASSERT_EQ(c.processors.size(), 2u);     // order of first appearance
  EXPECT_EQ(c.processors[1].id, "memory_limiter");
  const auto& otlp_exp = settings_of<OtlpExporterConfig>(c.exporters, "otlp");
  EXPECT_EQ(otlp_exp.endpoint, "top.example.com:4317");
  EXPECT_TRUE(otlp_exp.tls_insecure);
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(otlp_exp.headers, (Headers{{"x-base", "base"}, {"x-top", "top"}}));  // map: merged
  ASSERT_EQ(c.pipelines.size(), 1u);
  EXPECT_EQ(c.pipelines[0].receivers, (std::vector<std::string>{"otlp"}));
  EXPECT_EQ(c.pipelines[0].processors, (std::vector<std::string>{"memory_limiter", "batch"}));
  EXPECT_EQ(c.pipelines[0].exporters, (std::vector<std::string>{"otlp"}));  // list: replaced
}

TEST(ConfigOverlay, NullInOverlayReplacesAMap) {
  // As the Collector: `key:` without a value in a later file clears it.
  LoadResult r = test::load_over_minimal("receivers:\n  otlp:\n");
  EXPECT_TRUE(
      fails_with(r, {"test.yaml:2:3", "receivers::otlp::protocols", "at least one protocol"}));
}

TEST(ConfigOverlay, MessagesNameTheFileThatSetTheValue) {
  LoadResult r = load_config_text({{"base.yaml", std::string(test::kMinimal)},
                                   {"mid.yaml", "processors:\n  batch:\n    timeout: 1s\n"},
                                   {"top.yaml",
                                    "processors:\n  batch:\n    send_batch_size: 10\n"
                                    "    send_batch_max_size: 5\n"}},
                                  test::options());
  EXPECT_TRUE(fails_with(r, {"top.yaml:4:26", "processors::batch::send_batch_max_size",
                             "must be 0 or >= send_batch_size"}));
  r = load_config_text({{"base.yaml", std::string(test::kMinimal)},
                        {"top.yaml", "exporters:\n  otlp:\n    timeout: 2s\n"}},
                       test::options());
  EXPECT_TRUE(fails_with(r, {"top.yaml:2:3", "exporters::otlp::endpoint", "endpoint is required"}));
}

TEST(ConfigEnv, AllReferenceForms) {
  LoadResult r = test::load_over_minimal(
      R"(
extensions:
  bearertokenauth:
    token: ${env:TOKEN}
    scheme: ${SCHEME}
    header: ${env:HEADER:-X-Default}
  health_check:
    endpoint: ${env:HOST}:${env:PORT}
    path: /cost$$5/$${env:TOKEN}/$PATH
)",
      {.env = {{"TOKEN", "t0k"}, {"SCHEME", "Basic"}, {"HOST", "127.0.0.1"}, {"PORT", "1234"}}});
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_TRUE(r.warnings.empty()) << test::join_lines(r.warnings);
  const auto& bearer = settings_of<BearerTokenAuthConfig>(r.config->extensions, "bearertokenauth");
  EXPECT_EQ(bearer.token, "t0k");
  EXPECT_EQ(bearer.scheme, "Basic");
  EXPECT_EQ(bearer.header, "X-Default");
  const auto& health = settings_of<HealthCheckConfig>(r.config->extensions, "health_check");
  EXPECT_EQ(health.endpoint, "127.0.0.1:1234");
  EXPECT_EQ(health.path, "/cost$5/${env:TOKEN}/$PATH");  // $$ escapes; a bare $ stays
}

TEST(ConfigEnv, DefaultOnlyWhenUnsetAndUnsetIsEmptyWithWarning) {
  LoadResult r = test::load_over_minimal(R"(
extensions:
  bearertokenauth:
    token: x${env:UNSET}y
    scheme: ${env:EMPTY:-fallback}
    header: ${env:DEFAULT_URL:-http://h:1/a}
)",
                                         {.env = {{"EMPTY", ""}}});
  ASSERT_TRUE(loads_cleanly(r));
  const auto& bearer = settings_of<BearerTokenAuthConfig>(r.config->extensions, "bearertokenauth");
  EXPECT_EQ(bearer.token, "xy");
  EXPECT_EQ(bearer.scheme, "");              // set but empty: the default is for unset only
  EXPECT_EQ(bearer.header, "http://h:1/a");  // a default may contain ':'
  EXPECT_TRUE(has_message(
      r.warnings, {"extensions::bearertokenauth::token", "environment variable UNSET is not set"}));
}

TEST(ConfigEnv, WholeReferenceTakesTheYamlTypeOfItsValue) {
  Load env{.env = {{"SIZE", "100"},
                   {"ON", "true"},
                   {"RATE", "12.5"},
                   {"ORIGINS", "[a, b]"},
                   {"NUM_TOKEN", "12345"},
                   {"WAIT", "5s"}}};
  LoadResult r = test::load_over_minimal(R"(
processors:
  batch:
    send_batch_size: ${env:SIZE}
    timeout: ${WAIT}
  probabilistic_sampler:
    sampling_percentage: "${env:RATE}"
  attributes:
    actions:
      - {key: n, value: "${env:SIZE}", action: insert}
      - {key: s, value: "n${env:SIZE}", action: insert}
exporters:
  otlp:
    endpoint: h:1
    tls: {insecure: "${env:ON}"}
receivers:
  otlp:
    protocols:
      http:
        cors: {allowed_origins: "${env:ORIGINS}"}
extensions:
  bearertokenauth:
    token: ${env:NUM_TOKEN}
)",
                                         env);
  ASSERT_TRUE(loads_cleanly(r));
  const Config& c = *r.config;
  EXPECT_EQ(settings_of<BatchProcessorConfig>(c.processors, "batch").send_batch_size, 100u);
  EXPECT_EQ(settings_of<BatchProcessorConfig>(c.processors, "batch").timeout, 5s);
  EXPECT_DOUBLE_EQ(settings_of<ProbabilisticSamplerConfig>(c.processors, "probabilistic_sampler")
                       .sampling_percentage,
                   12.5);
  const auto& attrs = settings_of<AttributesProcessorConfig>(c.processors, "attributes");
  EXPECT_EQ(attrs.actions[0].value, ConfigValue{std::int64_t{100}});
  EXPECT_EQ(attrs.actions[1].value, ConfigValue{std::string("n100")});  // part of a string
  EXPECT_TRUE(settings_of<OtlpExporterConfig>(c.exporters, "otlp").tls_insecure);
  const auto& otlp = settings_of<OtlpReceiverConfig>(c.receivers, "otlp");
  EXPECT_EQ(otlp.http->cors->allowed_origins, (std::vector<std::string>{"a", "b"}));
  // A string field takes the text of a typed value verbatim, as the Collector.
  EXPECT_EQ(settings_of<BearerTokenAuthConfig>(c.extensions, "bearertokenauth").token, "12345");
}

TEST(ConfigEnv, PortFromTheEnvironmentIsAnInteger) {
  LoadResult r = test::load_over_minimal(R"(
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: localhost
                port: ${env:P}
)",
                                         {.env = {{"P", "4318"}}});
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(r.config->telemetry.metrics_address, "localhost:4318");
}

TEST(ConfigEnv, TypedExpansionStillTypeChecks) {
  LoadResult r = test::load_over_minimal(
      "processors:\n  batch:\n    send_batch_size: ${env:SIZE}\n", {.env = {{"SIZE", "lots"}}});
  EXPECT_TRUE(fails_with(r, {"test.yaml:3:22", "processors::batch::send_batch_size",
                             "expected a non-negative integer, got string \"lots\""}));
  // A literal integer in a string field is a type error (no weak typing).
  r = test::load_over_minimal("extensions:\n  bearertokenauth:\n    token: 12345\n");
  EXPECT_TRUE(
      fails_with(r, {"extensions::bearertokenauth::token", "expected a string, got int 12345"}));
}

TEST(ConfigEnv, ExpansionHappensAfterMergingAndOnlyInValues) {
  LoadResult r =
      load_config_text({{"base.yaml", std::string(test::kMinimal) +
                                          "extensions:\n  bearertokenauth:\n    token: ${env:A}\n"},
                        {"top.yaml",
                         "extensions:\n  bearertokenauth:\n    token: ${env:B}\n"
                         "  ${env:A}:\n    token: x\n"}},
                       test::options({{"B", "from-b"}}));
  // The base's ${env:A} was replaced before expansion: no warning about A.
  EXPECT_FALSE(has_message(r.warnings, {"variable A"}));
  // Keys are not expanded.
  EXPECT_TRUE(fails_with(r, {"extensions::${env:A}", "invalid component id"}));
}

TEST(ConfigEnv, MalformedReferencesNameTheLocation) {
  struct Case {
    const char* value;
    const char* why;
  };
  for (const Case& c :
       {Case{"${env:TOKEN", "no closing }"}, Case{"${}", "invalid environment variable name \"\""},
        Case{"${env:}", "invalid environment variable name \"\""},
        Case{"${env:1ABC}", "invalid environment variable name \"1ABC\""},
        Case{"${env:A-B}", "invalid environment variable name \"A-B\""},
        Case{"${file:/etc/token}", "unsupported provider scheme \"file\"; supported: env"},
        Case{"${TOKEN:-x}", "for a default write ${env:NAME:-default}"},
        Case{"${env:${env:X}}", "nested references are not supported"}}) {
    SCOPED_TRACE(c.value);
    LoadResult r = test::load_over_minimal(
        std::string("extensions:\n  bearertokenauth:\n    token: \"") + c.value + "\"\n");
    EXPECT_TRUE(fails_with(
        r, {"test.yaml:3:12", "extensions::bearertokenauth::token", "malformed reference", c.why}));
  }
}

}  // namespace
}  // namespace spanline::collector
