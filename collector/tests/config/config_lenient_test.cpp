// LoadOptions::lenient: what the Collector knows but spanline-collector
// doesn't becomes a warning and is left out; everything else still fails.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace spanline::collector {
namespace {

using test::fails_with;
using test::has_message;
using test::loads_cleanly;

constexpr std::string_view kContribConfig = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
        keepalive: {server_parameters: {time: 10s}}
  jaeger:
    protocols: {thrift_http: }
processors:
  batch:
    metadata_keys: [tenant]
  tail_sampling:
    decision_wait: 10s
exporters:
  otlp:
    endpoint: h:4317
    tls: {insecure: true, ca_file: /ca.pem}
  zipkin:
    endpoint: http://zipkin:9411
  debug:
extensions:
  pprof:
  health_check:
service:
  extensions: [pprof, health_check]
  telemetry:
    traces: {}
  pipelines:
    traces:
      receivers: [otlp, jaeger]
      processors: [tail_sampling, batch]
      exporters: [otlp, zipkin, debug]
    metrics:
      receivers: [otlp]
      exporters: [debug]
)";

TEST(ConfigLenient, StrictModeRejectsWhatIsUnsupported) {
  LoadResult r = test::load_text(kContribConfig);
  EXPECT_TRUE(
      fails_with(r, {"receivers::jaeger", "unknown receiver type \"jaeger\"; supported: otlp"}));
  EXPECT_TRUE(
      has_message(r.errors, {"receivers::otlp::protocols::grpc::keepalive", "unsupported key"}));
  EXPECT_TRUE(has_message(r.errors, {"service::pipelines::metrics", "only traces pipelines"}));
  // References to the unknown components are not reported a second time.
  EXPECT_FALSE(has_message(r.errors, {"not defined"}));
}

TEST(ConfigLenient, DropsUnknownComponentsKeysAndPipelinesWithWarnings) {
  LoadResult r = test::load_text(kContribConfig, {.lenient = true});
  ASSERT_TRUE(loads_cleanly(r));
  const Config& c = *r.config;
  ASSERT_EQ(c.receivers.size(), 1u);
  ASSERT_EQ(c.processors.size(), 1u);
  ASSERT_EQ(c.exporters.size(), 2u);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.service_extensions, (std::vector<std::string>{"health_check"}));
  ASSERT_EQ(c.pipelines.size(), 1u);
  EXPECT_EQ(c.pipelines[0].receivers, (std::vector<std::string>{"otlp"}));
  EXPECT_EQ(c.pipelines[0].processors, (std::vector<std::string>{"batch"}));
  EXPECT_EQ(c.pipelines[0].exporters, (std::vector<std::string>{"otlp", "debug"}));
  EXPECT_TRUE(std::get<OtlpExporterConfig>(c.exporters[0].settings).tls_insecure);
  const auto& w = r.warnings;
  EXPECT_TRUE(
      has_message(w, {"test.yaml:8:3", "receivers::jaeger", "unknown receiver type", "(ignored)"}));
  EXPECT_TRUE(has_message(w, {"processors::tail_sampling", "unknown processor type"}));
  EXPECT_TRUE(has_message(w, {"exporters::zipkin", "unknown exporter type"}));
  EXPECT_TRUE(has_message(w, {"extensions::pprof", "unknown extension type"}));
  EXPECT_TRUE(has_message(w, {"processors::batch::metadata_keys", "unsupported key"}));
  EXPECT_TRUE(
      has_message(w, {"exporters::otlp::tls::ca_file", "supported: insecure", "(ignored)"}));
  EXPECT_TRUE(has_message(w, {"service::telemetry::traces", "unsupported key"}));
  EXPECT_TRUE(has_message(
      w, {"service::pipelines::metrics", "only traces pipelines are supported (ignored)"}));
  EXPECT_TRUE(has_message(
      w, {"service::pipelines::traces::receivers", "dropped reference to receiver \"jaeger\""}));
  EXPECT_TRUE(
      has_message(w, {"service::pipelines::traces::processors", "processor \"tail_sampling\""}));
  EXPECT_TRUE(has_message(w, {"service::pipelines::traces::exporters", "exporter \"zipkin\""}));
  EXPECT_TRUE(has_message(w, {"service::extensions", "dropped reference to extension \"pprof\""}));
}

TEST(ConfigLenient, WhatRemainsIsStillValidated) {
  // The only exporter is dropped: the pipeline is left without one.
  LoadResult r = test::load_text(R"(
receivers: {otlp: {protocols: {grpc: }}}
exporters: {zipkin: {endpoint: "http://z:9411"}}
service: {pipelines: {traces: {receivers: [otlp], exporters: [zipkin]}}}
)",
                                 {.lenient = true});
  EXPECT_TRUE(fails_with(r, {"service::pipelines::traces::exporters", "at least one exporter"}));
  EXPECT_TRUE(has_message(r.warnings, {"dropped reference to exporter \"zipkin\""}));
  // Type and range errors are errors in lenient mode too.
  r = test::load_over_minimal("processors:\n  batch: {send_batch_size: many}\n", {.lenient = true});
  EXPECT_TRUE(fails_with(r, {"processors::batch::send_batch_size", "got string \"many\""}));
  // Only metrics pipelines: nothing left to run.
  r = test::load_text(R"(
receivers: {otlp: {protocols: {grpc: }}}
exporters: {debug: }
service: {pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}
)",
                      {.lenient = true});
  EXPECT_TRUE(fails_with(r, {"service::pipelines", "at least one traces pipeline is required"}));
}

TEST(ConfigLenient, AnAuthenticatorIsNeverDroppedSilently) {
  LoadResult r = test::load_over_minimal(R"(
extensions: {oidc: {issuer_url: "https://idp"}}
receivers:
  otlp:
    protocols: {grpc: {auth: {authenticator: oidc}}}
service: {extensions: [oidc]}
)",
                                         {.lenient = true});
  EXPECT_TRUE(fails_with(r, {"receivers::otlp::protocols::grpc::auth::authenticator",
                             "authenticator \"oidc\" is not a defined extension"}));
}

TEST(ConfigLenient, ConnectorsAreIgnoredWithTheirReferences) {
  LoadResult r = test::load_over_minimal(R"(
connectors: {forward: }
service: {pipelines: {traces: {receivers: [otlp, forward], exporters: [debug, forward]}}}
)",
                                         {.lenient = true});
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_TRUE(has_message(r.warnings, {"connectors", "connectors are not supported", "(ignored)"}));
  EXPECT_EQ(r.config->pipelines[0].receivers, (std::vector<std::string>{"otlp"}));
  EXPECT_EQ(r.config->pipelines[0].exporters, (std::vector<std::string>{"debug"}));
}

// Config::validate on configs built in code, where the loader's syntax
// guarantees don't hold.
TEST(ConfigValidateInCode, ChecksIdsTypesAndSettings) {
  Config c;
  c.receivers.push_back({"otlp", "otlp", OtlpReceiverConfig{.grpc = OtlpGrpcServerConfig{}}});
  c.exporters.push_back({"debug", "debug", DebugExporterConfig{}});
  c.pipelines.push_back({"traces", {"otlp"}, {}, {"debug"}});
  EXPECT_TRUE(c.validate().empty());
  EXPECT_EQ(find_component(c.exporters, "debug"), &c.exporters[0]);
  EXPECT_EQ(find_component(c.receivers, "debug"), nullptr);

  c.exporters.push_back(
      {"otlphttp", "otlphttp", OtlpExporterConfig{.grpc = true, .endpoint = "h:1"}});
  c.exporters.push_back({"debug", "debug", DebugExporterConfig{}});
  c.processors.push_back({"batch/", "batch", BatchProcessorConfig{}});
  c.pipelines.push_back({"metrics", {"otlp"}, {}, {"debug"}});
  ConfigProblems problems = c.validate();
  auto has = [&](std::string_view path, std::string_view text) {
    return std::any_of(problems.begin(), problems.end(), [&](const ConfigProblem& p) {
      return p.path == path && p.message.find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(has("exporters::otlphttp", "settings do not match component type \"otlphttp\""));
  EXPECT_TRUE(has("exporters::debug", "duplicate component id \"debug\""));
  EXPECT_TRUE(has("processors::batch/", "invalid component id"));
  EXPECT_TRUE(has("service::pipelines::metrics", "expected traces or traces/<name>"));
}

TEST(ConfigValidateInCode, ComponentProblemsAreRelative) {
  OtlpExporterConfig e{.grpc = false, .endpoint = "http://h", .encoding = OtlpEncoding::kJson};
  EXPECT_TRUE(e.validate().empty());
  e.grpc = true;
  e.endpoint = "h:1";
  ConfigProblems problems = e.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "encoding");
  AttributesProcessorConfig a{.actions = {AttributeAction{.key = ""}}};
  problems = a.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].path, "actions[0]::key");
  EXPECT_EQ(problems[1].path, "actions[0]");
  MemoryLimiterConfig m{
      .check_interval = std::chrono::seconds(1), .limit_mib = 10, .spike_limit_mib = 2};
  EXPECT_TRUE(m.validate().empty());
  EXPECT_TRUE(TelemetryConfig{}.validate().empty());
  EXPECT_FALSE(TelemetryConfig{.metrics_address = "nope"}.validate().empty());
}

}  // namespace
}  // namespace spanline::collector
