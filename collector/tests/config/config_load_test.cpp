// Loading whole files: every key of every component, the defaults, the
// deploy configs, and file-level failures.
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

class ValidFull : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = load_config({test::testdata("valid_full.yaml")}, test::options());
    ASSERT_TRUE(loads_cleanly(result_));
    config_ = &*result_.config;
  }
  LoadResult result_;
  const Config* config_ = nullptr;
};

TEST_F(ValidFull, KeepsDeclarationOrderAndTypes) {
  const Config& c = *config_;
  ASSERT_EQ(c.receivers.size(), 2u);
  EXPECT_EQ(c.receivers[0].id, "otlp");
  EXPECT_EQ(c.receivers[1].id, "otlp/plain");
  ASSERT_EQ(c.exporters.size(), 5u);
  EXPECT_EQ(c.exporters[3].id, "otlp_http/empty_compression");
  EXPECT_EQ(c.exporters[3].type, "otlp_http");  // as written, not normalised
  EXPECT_EQ(c.find("debug")->type, "debug");
  EXPECT_EQ(c.find("otlp")->type, "otlp");  // receivers first
  EXPECT_TRUE(std::holds_alternative<OtlpReceiverConfig>(c.find("otlp")->settings));
  EXPECT_EQ(c.find("nope"), nullptr);
  EXPECT_TRUE(result_.warnings.empty()) << test::join_lines(result_.warnings);
}

TEST_F(ValidFull, Extensions) {
  const auto& server = settings_of<BearerTokenAuthConfig>(config_->extensions, "bearertokenauth");
  EXPECT_EQ(server.token, "server-token");
  EXPECT_EQ(server.scheme, "Token");
  EXPECT_EQ(server.header, "X-Auth");
  const auto& health = settings_of<HealthCheckConfig>(config_->extensions, "health_check");
  EXPECT_EQ(health.endpoint, "127.0.0.1:13999");
  EXPECT_EQ(health.path, "/healthz");
  EXPECT_EQ(
      config_->service_extensions,
      (std::vector<std::string>{"health_check", "bearertokenauth", "bearertokenauth/client"}));
}

TEST_F(ValidFull, OtlpReceiver) {
  const auto& otlp = settings_of<OtlpReceiverConfig>(config_->receivers, "otlp");
  ASSERT_TRUE(otlp.grpc && otlp.http);
  EXPECT_EQ(otlp.grpc->endpoint, "[::1]:5317");
  EXPECT_EQ(otlp.grpc->max_recv_msg_size_mib, 16u);
  EXPECT_EQ(otlp.grpc->authenticator, "bearertokenauth");
  EXPECT_EQ(otlp.http->endpoint, ":5318");
  EXPECT_EQ(otlp.http->traces_url_path, "/ingest/traces");
  EXPECT_EQ(otlp.http->max_request_body_size, 1048576u);
  EXPECT_EQ(otlp.http->authenticator, "bearertokenauth");
  ASSERT_TRUE(otlp.http->cors);
  EXPECT_EQ(otlp.http->cors->allowed_origins,
            (std::vector<std::string>{"https://*.example.com", "http://localhost:3000"}));
  EXPECT_EQ(otlp.http->cors->allowed_headers, (std::vector<std::string>{"X-Custom"}));
  EXPECT_EQ(otlp.http->cors->max_age, 600s);
  const auto& plain = settings_of<OtlpReceiverConfig>(config_->receivers, "otlp/plain");
  ASSERT_TRUE(plain.grpc);
  EXPECT_FALSE(plain.http);
  EXPECT_EQ(plain.grpc->endpoint, "localhost:4317");
}

TEST_F(ValidFull, BatchMemoryLimiterSampler) {
  const auto& batch = settings_of<BatchProcessorConfig>(config_->processors, "batch");
  EXPECT_EQ(batch.timeout, 1s);
  EXPECT_EQ(batch.send_batch_size, 100u);
  EXPECT_EQ(batch.send_batch_max_size, 200u);
  const auto& mib = settings_of<MemoryLimiterConfig>(config_->processors, "memory_limiter");
  EXPECT_EQ(mib.check_interval, 500ms);
  EXPECT_EQ(mib.limit_mib, 1024u);
  EXPECT_EQ(mib.spike_limit_mib, 100u);
  EXPECT_EQ(mib.limit_percentage, 0u);
  const auto& pct = settings_of<MemoryLimiterConfig>(config_->processors, "memory_limiter/pct");
  EXPECT_EQ(pct.check_interval, 2s);
  EXPECT_EQ(pct.limit_percentage, 80u);
  EXPECT_EQ(pct.spike_limit_percentage, 15u);
  const auto& sampler =
      settings_of<ProbabilisticSamplerConfig>(config_->processors, "probabilistic_sampler");
  EXPECT_DOUBLE_EQ(sampler.sampling_percentage, 12.5);
  EXPECT_EQ(sampler.hash_seed, 22u);
}

TEST_F(ValidFull, AttributeActionsKeepValueTypes) {
  const auto& res = settings_of<AttributesProcessorConfig>(config_->processors, "resource");
  ASSERT_EQ(res.actions.size(), 6u);
  EXPECT_EQ(res.actions[0].key, "deployment.environment");
  EXPECT_EQ(res.actions[0].action, AttributeActionKind::kInsert);
  EXPECT_EQ(res.actions[0].value, ConfigValue{std::string("test")});
  EXPECT_EQ(res.actions[1].value, ConfigValue{std::int64_t{3}});
  EXPECT_EQ(res.actions[1].action, AttributeActionKind::kUpsert);
  EXPECT_EQ(res.actions[2].value, ConfigValue{0.25});
  EXPECT_EQ(res.actions[2].action, AttributeActionKind::kUpdate);
  EXPECT_EQ(res.actions[3].value, ConfigValue{true});
  EXPECT_EQ(res.actions[4].from_attribute, "host.name");
  EXPECT_FALSE(res.actions[4].value);
  EXPECT_EQ(res.actions[5].action, AttributeActionKind::kDelete);
  const auto& quoted =
      settings_of<AttributesProcessorConfig>(config_->processors, "attributes/quoted");
  ASSERT_EQ(quoted.actions.size(), 1u);
  EXPECT_EQ(quoted.actions[0].value, ConfigValue{std::string("42")});  // quoted stays a string
  EXPECT_EQ(quoted.actions[0].action, AttributeActionKind::kInsert);   // INSERT: case-insensitive
}

TEST_F(ValidFull, OtlpGrpcExporter) {
  const auto& e = settings_of<OtlpExporterConfig>(config_->exporters, "otlp");
  EXPECT_TRUE(e.grpc);
  EXPECT_EQ(e.endpoint, "collector.example.com:4317");
  EXPECT_TRUE(e.tls_insecure);
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(e.headers, (Headers{{"x-tenant", "acme"}, {"x-quoted-number", "7"}}));
  EXPECT_EQ(e.compression, Compression::kNone);
  EXPECT_EQ(e.timeout, 10s);
  EXPECT_EQ(e.authenticator, "bearertokenauth/client");
  EXPECT_TRUE(e.sending_queue.enabled);
  EXPECT_EQ(e.sending_queue.num_consumers, 4u);
  EXPECT_EQ(e.sending_queue.queue_size, 500u);
  EXPECT_TRUE(e.retry_on_failure.enabled);
  EXPECT_EQ(e.retry_on_failure.initial_interval, 1s);
  EXPECT_EQ(e.retry_on_failure.max_interval, 10s);
  EXPECT_EQ(e.retry_on_failure.max_elapsed_time, 90s);
  EXPECT_DOUBLE_EQ(e.retry_on_failure.multiplier, 2);
  EXPECT_DOUBLE_EQ(e.retry_on_failure.randomization_factor, 0.1);
  const auto& second = settings_of<OtlpExporterConfig>(config_->exporters, "otlp_grpc/second");
  EXPECT_TRUE(second.grpc);
  EXPECT_EQ(second.endpoint, "https://backup.example.com:443");
}

TEST_F(ValidFull, OtlpHttpAndDebugExporters) {
  const auto& e = settings_of<OtlpExporterConfig>(config_->exporters, "otlphttp");
  EXPECT_FALSE(e.grpc);
  EXPECT_EQ(e.endpoint, "https://collector.example.com:4318");
  EXPECT_EQ(e.traces_endpoint, "https://collector.example.com:4318/custom/traces");
  EXPECT_EQ(e.encoding, OtlpEncoding::kJson);
  EXPECT_EQ(e.compression, Compression::kGzip);
  EXPECT_FALSE(e.sending_queue.enabled);
  EXPECT_EQ(e.sending_queue.queue_size, 0u);  // fine while disabled
  EXPECT_FALSE(e.retry_on_failure.enabled);
  const auto& empty =
      settings_of<OtlpExporterConfig>(config_->exporters, "otlp_http/empty_compression");
  EXPECT_FALSE(empty.grpc);
  EXPECT_EQ(empty.compression, Compression::kNone);  // "" means none
  const auto& debug = settings_of<DebugExporterConfig>(config_->exporters, "debug");
  EXPECT_EQ(debug.verbosity, DebugVerbosity::kDetailed);
  EXPECT_EQ(debug.sampling_initial, 5u);
  EXPECT_EQ(debug.sampling_thereafter, 200u);
}

TEST_F(ValidFull, ServiceTelemetryAndPipelines) {
  EXPECT_EQ(config_->telemetry.metrics_level, "detailed");
  EXPECT_EQ(config_->telemetry.metrics_address, "127.0.0.1:9999");
  EXPECT_EQ(config_->telemetry.logs_level, "debug");
  ASSERT_EQ(config_->pipelines.size(), 2u);
  const Pipeline& p = config_->pipelines[0];
  EXPECT_EQ(p.id, "traces");
  EXPECT_EQ(p.receivers, (std::vector<std::string>{"otlp", "otlp/plain"}));
  EXPECT_EQ(p.processors,
            (std::vector<std::string>{"memory_limiter", "resource", "attributes/quoted",
                                      "probabilistic_sampler", "batch"}));
  EXPECT_EQ(p.exporters.size(), 5u);
  EXPECT_EQ(config_->pipelines[1].id, "traces/sampled");
}

TEST(ConfigLoad, DefaultsOfEveryComponent) {
  LoadResult r = test::load_text(R"(
receivers: {otlp: {protocols: {grpc:, http:}}}
processors: {batch:, memory_limiter: {check_interval: 1s, limit_mib: 100},
             memory_limiter/pct: {check_interval: 1s, limit_percentage: 50},
             probabilistic_sampler:}
exporters: {otlp: {endpoint: "h:1"}, otlphttp: {endpoint: "http://h"}, debug:}
extensions: {bearertokenauth: {token: t}, health_check:}
service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
)");
  ASSERT_TRUE(loads_cleanly(r));
  const Config& c = *r.config;
  const auto& otlp = settings_of<OtlpReceiverConfig>(c.receivers, "otlp");
  EXPECT_EQ(otlp.grpc->endpoint, "localhost:4317");
  EXPECT_EQ(otlp.grpc->max_recv_msg_size_mib, 4u);
  EXPECT_FALSE(otlp.grpc->authenticator);
  EXPECT_EQ(otlp.http->endpoint, "localhost:4318");
  EXPECT_EQ(otlp.http->traces_url_path, "/v1/traces");
  EXPECT_EQ(otlp.http->max_request_body_size, 20u * 1024 * 1024);
  EXPECT_FALSE(otlp.http->cors);
  const auto& batch = settings_of<BatchProcessorConfig>(c.processors, "batch");
  EXPECT_EQ(batch.timeout, 200ms);
  EXPECT_EQ(batch.send_batch_size, 8192u);
  EXPECT_EQ(batch.send_batch_max_size, 0u);
  // Spike limits default to 20% of the limit.
  EXPECT_EQ(settings_of<MemoryLimiterConfig>(c.processors, "memory_limiter").spike_limit_mib, 20u);
  EXPECT_EQ(
      settings_of<MemoryLimiterConfig>(c.processors, "memory_limiter/pct").spike_limit_percentage,
      10u);
  const auto& sampler =
      settings_of<ProbabilisticSamplerConfig>(c.processors, "probabilistic_sampler");
  EXPECT_EQ(sampler.sampling_percentage, 0);
  EXPECT_EQ(sampler.hash_seed, 0u);
  const auto& health = settings_of<HealthCheckConfig>(c.extensions, "health_check");
  EXPECT_EQ(health.endpoint, "localhost:13133");
  EXPECT_EQ(health.path, "/");
  const auto& bearer = settings_of<BearerTokenAuthConfig>(c.extensions, "bearertokenauth");
  EXPECT_EQ(bearer.scheme, "Bearer");
  EXPECT_EQ(bearer.header, "Authorization");
  EXPECT_EQ(c.telemetry.metrics_address, "localhost:8888");
  EXPECT_EQ(c.telemetry.metrics_level, "normal");
  EXPECT_EQ(c.telemetry.logs_level, "info");
  EXPECT_TRUE(c.service_extensions.empty());
}

TEST(ConfigLoad, ExporterDefaults) {
  LoadResult r = test::load_over_minimal(R"(
exporters: {otlp: {endpoint: "h:1"}, otlphttp: {endpoint: "http://h"}}
)");
  ASSERT_TRUE(loads_cleanly(r));
  const auto& grpc = settings_of<OtlpExporterConfig>(r.config->exporters, "otlp");
  EXPECT_TRUE(grpc.grpc);
  EXPECT_FALSE(grpc.tls_insecure);
  EXPECT_TRUE(grpc.headers.empty());
  EXPECT_EQ(grpc.compression, Compression::kGzip);
  EXPECT_EQ(grpc.timeout, 5s);
  EXPECT_FALSE(grpc.authenticator);
  EXPECT_TRUE(grpc.sending_queue.enabled);
  EXPECT_EQ(grpc.sending_queue.num_consumers, 10u);
  EXPECT_EQ(grpc.sending_queue.queue_size, 1000u);
  EXPECT_TRUE(grpc.retry_on_failure.enabled);
  EXPECT_EQ(grpc.retry_on_failure.initial_interval, 5s);
  EXPECT_EQ(grpc.retry_on_failure.max_interval, 30s);
  EXPECT_EQ(grpc.retry_on_failure.max_elapsed_time, 5min);
  EXPECT_DOUBLE_EQ(grpc.retry_on_failure.multiplier, 1.5);
  EXPECT_DOUBLE_EQ(grpc.retry_on_failure.randomization_factor, 0.5);
  const auto& http = settings_of<OtlpExporterConfig>(r.config->exporters, "otlphttp");
  EXPECT_FALSE(http.grpc);
  EXPECT_EQ(http.timeout, 30s);  // the Collector's otlphttp default
  EXPECT_EQ(http.encoding, OtlpEncoding::kProto);
  EXPECT_FALSE(http.traces_endpoint);
  const auto& debug = settings_of<DebugExporterConfig>(r.config->exporters, "debug");
  EXPECT_EQ(debug.verbosity, DebugVerbosity::kBasic);
  EXPECT_EQ(debug.sampling_initial, 2u);
  EXPECT_EQ(debug.sampling_thereafter, 1u);
}

TEST(ConfigLoad, DeployConfigsLoadCleanly) {
  const std::string dir = SPANLINE_DEPLOY_OTELCOL;
  for (const char* name : {"central.yaml", "gateway-sidecar.yaml", "orchestrator-sidecar.yaml"}) {
    SCOPED_TRACE(name);
    LoadResult r = load_config({dir + "/" + name}, test::options());
    ASSERT_TRUE(loads_cleanly(r));
    EXPECT_TRUE(r.warnings.empty()) << test::join_lines(r.warnings);
    const auto& res = settings_of<AttributesProcessorConfig>(r.config->processors, "resource");
    ASSERT_EQ(res.actions.size(), 2u);
    EXPECT_EQ(res.actions[0].key, "collector.type");
  }
}

TEST(ConfigLoad, CentralConfig) {
  LoadResult r = load_config({std::string(SPANLINE_DEPLOY_OTELCOL) + "/central.yaml"},
                             test::options({{"SPANLINE_COLLECTOR_TOKEN", "s3cret"}}));
  ASSERT_TRUE(loads_cleanly(r));
  const Config& c = *r.config;
  const auto& otlp = settings_of<OtlpReceiverConfig>(c.receivers, "otlp");
  EXPECT_EQ(otlp.grpc->endpoint, "0.0.0.0:4317");
  EXPECT_EQ(otlp.http->endpoint, "0.0.0.0:4318");
  EXPECT_EQ(otlp.grpc->authenticator, "bearertokenauth");
  EXPECT_EQ(otlp.http->authenticator, "bearertokenauth");
  EXPECT_EQ(settings_of<BearerTokenAuthConfig>(c.extensions, "bearertokenauth").token, "s3cret");
  EXPECT_EQ(settings_of<HealthCheckConfig>(c.extensions, "health_check").endpoint, "0.0.0.0:13133");
  const auto& tv = settings_of<OtlpExporterConfig>(c.exporters, "otlp/traceview");
  EXPECT_TRUE(tv.grpc);
  EXPECT_EQ(tv.endpoint, "localhost:14317");
  EXPECT_TRUE(tv.tls_insecure);
  EXPECT_EQ(c.telemetry.metrics_address, "localhost:8888");
  const auto& res = settings_of<AttributesProcessorConfig>(c.processors, "resource");
  EXPECT_EQ(res.actions[0].value, ConfigValue{std::string("central")});
  EXPECT_EQ(res.actions[1].key, "collector.name");
}

TEST(ConfigLoad, SidecarConfigsUseDistinctPorts) {
  struct Expect {
    const char* file;
    const char* grpc;
    const char* http;
    const char* health;
    const char* metrics;
    const char* name;
  };
  for (const Expect& e : {Expect{"gateway-sidecar.yaml", "localhost:4417", "localhost:4418",
                                 "localhost:13134", "localhost:8889", "gateway-sidecar"},
                          Expect{"orchestrator-sidecar.yaml", "localhost:4517", "localhost:4518",
                                 "localhost:13135", "localhost:8890", "orchestrator-sidecar"}}) {
    SCOPED_TRACE(e.file);
    LoadResult r =
        load_config({std::string(SPANLINE_DEPLOY_OTELCOL) + "/" + e.file}, test::options());
    ASSERT_TRUE(loads_cleanly(r));
    const Config& c = *r.config;
    const auto& otlp = settings_of<OtlpReceiverConfig>(c.receivers, "otlp");
    EXPECT_EQ(otlp.grpc->endpoint, e.grpc);
    EXPECT_EQ(otlp.http->endpoint, e.http);
    EXPECT_FALSE(otlp.grpc->authenticator);
    EXPECT_EQ(settings_of<HealthCheckConfig>(c.extensions, "health_check").endpoint, e.health);
    EXPECT_EQ(c.telemetry.metrics_address, e.metrics);
    const auto& central = settings_of<OtlpExporterConfig>(c.exporters, "otlphttp/central");
    EXPECT_FALSE(central.grpc);
    EXPECT_EQ(central.endpoint, "http://localhost:4318");
    EXPECT_EQ(central.authenticator, "bearertokenauth/client");
    EXPECT_EQ(settings_of<BearerTokenAuthConfig>(c.extensions, "bearertokenauth/client").token,
              "spanline-local-token");
    const auto& res = settings_of<AttributesProcessorConfig>(c.processors, "resource");
    EXPECT_EQ(res.actions[0].value, ConfigValue{std::string("sidecar")});
    EXPECT_EQ(res.actions[1].value, ConfigValue{std::string(e.name)});
    EXPECT_EQ(res.actions[1].action, AttributeActionKind::kInsert);
  }
}

TEST(ConfigLoad, SyntaxErrorNamesFileLineAndColumn) {
  std::string path = test::testdata("syntax_error.yaml");
  LoadResult r = load_config({path});
  EXPECT_TRUE(fails_with(r, {path + ":4:", "YAML syntax error"}));
}

TEST(ConfigLoad, SyntaxErrorsOfEveryFileAreReported) {
  LoadResult r = load_config_text({{"a.yaml", "x: [1\n"}, {"b.yaml", "y: 1\n  z: 2\n"}});
  EXPECT_TRUE(fails_with(r, {"a.yaml:", "YAML syntax error"}));
  EXPECT_TRUE(has_message(r.errors, {"b.yaml:2:", "YAML syntax error"}));
}

TEST(ConfigLoad, DuplicateKeysAndNonMapDocumentsAreErrors) {
  EXPECT_TRUE(fails_with(test::load_text("exporters:\n  debug:\n  debug:\n"),
                         {"test.yaml:3:3", "key \"debug\" already defined"}));
  EXPECT_TRUE(fails_with(test::load_text("- a\n- b\n"), {"test.yaml", "top level must be a map"}));
}

TEST(ConfigLoad, UnreadableFile) {
  LoadResult r = load_config({test::testdata("does_not_exist.yaml")});
  EXPECT_TRUE(fails_with(r, {"does_not_exist.yaml", "cannot read"}));
  EXPECT_TRUE(fails_with(load_config({}), {"no configuration given"}));
}

TEST(ConfigLoad, ReportsAllErrorsOfAFile) {
  std::string path = test::testdata("many_errors.yaml");
  LoadResult r = load_config({path});
  ASSERT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, {path + ":6:19", "receivers::otlp::protocols::grpc::endpoint",
                                     "invalid endpoint \"localhost\""}));
  EXPECT_TRUE(has_message(r.errors, {path + ":9:22", "processors::batch::send_batch_size",
                                     "expected a non-negative integer, got string \"100\""}));
  EXPECT_TRUE(
      has_message(r.errors, {"processors::tail_sampling",
                             "unknown processor type \"tail_sampling\"; supported: batch, "
                             "memory_limiter, resource, attributes, probabilistic_sampler"}));
  EXPECT_TRUE(has_message(r.errors, {"exporters::otlphttp/central::compression",
                                     "unsupported value \"zstd\"; supported: gzip, none"}));
  EXPECT_TRUE(has_message(r.errors, {"service::pipelines::traces::exporters",
                                     "exporter \"missing\" which is not defined"}));
  EXPECT_EQ(r.errors.size(), 5u) << test::join_lines(r.errors);
}

}  // namespace
}  // namespace spanline::collector
