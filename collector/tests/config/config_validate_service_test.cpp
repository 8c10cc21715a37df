// Exporter, extension and service rules, each with its message.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace spanline::collector {
namespace {

using test::fails_with;
using test::loads_cleanly;
using test::RejectCase;
using test::settings_of;

class Rejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(Rejects, WithMessage) {
  LoadResult r = test::load_over_minimal(GetParam().yaml);
  EXPECT_TRUE(fails_with(r, GetParam().parts)) << GetParam().yaml;
}

const RejectCase kExporters[] = {
    {"GrpcNoEndpoint",
     "exporters:\n  otlp:\n",
     {"test.yaml:2:3", "exporters::otlp::endpoint", "endpoint is required"}},
    {"HttpNoEndpoint",
     "exporters:\n  otlphttp/central: {timeout: 1s}\n",
     {"exporters::otlphttp/central::endpoint", "endpoint (or traces_endpoint) is required"}},
    {"GrpcBadTarget",
     "exporters:\n  otlp: {endpoint: \"http://h\"}\n",
     {"exporters::otlp::endpoint", "invalid endpoint \"http://h\"", "host:port"}},
    {"HttpNotAUrl",
     "exporters:\n  otlp_http: {endpoint: \"localhost:4318\"}\n",
     {"exporters::otlp_http::endpoint", "invalid endpoint \"localhost:4318\"",
      "http:// or https:// URL"}},
    {"HttpBadPort",
     "exporters:\n  otlphttp: {endpoint: \"http://h:99999/\"}\n",
     {"invalid endpoint \"http://h:99999/\""}},
    {"HttpBadTracesEndpoint",
     "exporters:\n  otlphttp: {endpoint: \"http://h\", traces_endpoint: \"ftp://h/x\"}\n",
     {"exporters::otlphttp::traces_endpoint", "invalid traces_endpoint \"ftp://h/x\""}},
    {"GrpcTracesEndpoint",
     "exporters:\n  otlp: {endpoint: \"h:1\", traces_endpoint: \"http://h/v1/traces\"}\n",
     {"exporters::otlp::traces_endpoint",
      "unsupported key \"traces_endpoint\"; supported: endpoint, tls"}},
    {"GrpcEncoding",
     "exporters:\n  otlp_grpc: {endpoint: \"h:1\", encoding: json}\n",
     {"exporters::otlp_grpc::encoding",
      "unsupported key \"encoding\"; supported: endpoint, tls, headers, "
      "compression, timeout, auth, sending_queue, retry_on_failure"}},
    {"HttpBadEncoding",
     "exporters:\n  otlphttp: {endpoint: \"http://h\", encoding: xml}\n",
     {"exporters::otlphttp::encoding", "unsupported value \"xml\"; supported: proto, json"}},
    {"Compression",
     "exporters:\n  otlphttp/central: {endpoint: \"http://h\", compression: zstd}\n",
     {"exporters::otlphttp/central::compression",
      "unsupported value \"zstd\"; supported: gzip, none"}},
    {"TlsCaFile",
     "exporters:\n  otlp: {endpoint: \"h:1\", tls: {ca_file: /ca.pem}}\n",
     {"exporters::otlp::tls::ca_file", "unsupported key \"ca_file\"; supported: insecure"}},
    {"TlsSkipVerify",
     "exporters:\n  otlp: {endpoint: \"h:1\", tls: {insecure_skip_verify: true}}\n",
     {"exporters::otlp::tls::insecure_skip_verify", "unsupported key", "supported: insecure"}},
    {"TlsInsecureYes",
     "exporters:\n  otlp: {endpoint: \"h:1\", tls: {insecure: yes}}\n",
     {"exporters::otlp::tls::insecure", "expected a boolean (true or false), got string \"yes\""}},
    {"HeaderInt",
     "exporters:\n  otlp: {endpoint: \"h:1\", headers: {x-id: 5}}\n",
     {"exporters::otlp::headers::x-id", "expected a string, got int 5"}},
    {"HeaderBool",
     "exporters:\n  otlp: {endpoint: \"h:1\", headers: {x-on: true}}\n",
     {"exporters::otlp::headers::x-on", "expected a string, got bool true"}},
    {"HeaderNull",
     "exporters:\n  otlp: {endpoint: \"h:1\", headers: {x-none: }}\n",
     {"exporters::otlp::headers::x-none", "expected a string, got null"}},
    {"HeaderBadName",
     "exporters:\n  otlp: {endpoint: \"h:1\", headers: {\"a b\": v}}\n",
     {"exporters::otlp::headers::a b", "invalid header \"a b\""}},
    {"HeadersList",
     "exporters:\n  otlp: {endpoint: \"h:1\", headers: [a]}\n",
     {"exporters::otlp::headers", "expected a map of header: value"}},
    {"NegativeTimeout",
     "exporters:\n  otlp: {endpoint: \"h:1\", timeout: -5s}\n",
     {"exporters::otlp::timeout", "must not be negative"}},
    {"QueueSizeZero",
     "exporters:\n  otlp: {endpoint: \"h:1\", sending_queue: {queue_size: 0}}\n",
     {"exporters::otlp::sending_queue::queue_size",
      "queue_size must be > 0 when the queue is enabled"}},
    {"NoConsumers",
     "exporters:\n  otlp: {endpoint: \"h:1\", sending_queue: {num_consumers: 0}}\n",
     {"exporters::otlp::sending_queue::num_consumers", "must be > 0"}},
    {"QueueStorage",
     "exporters:\n  otlp: {endpoint: \"h:1\", sending_queue: {storage: file_storage}}\n",
     {"sending_queue::storage", "supported: enabled, num_consumers, queue_size"}},
    {"RetryFactor",
     "exporters:\n  otlp: {endpoint: \"h:1\", retry_on_failure: {randomization_factor: 1.5}}\n",
     {"exporters::otlp::retry_on_failure::randomization_factor", "must be in 0..1"}},
    {"RetryMultiplier",
     "exporters:\n  otlp: {endpoint: \"h:1\", retry_on_failure: {multiplier: 0}}\n",
     {"retry_on_failure::multiplier", "must be > 0"}},
    {"RetryIntervals",
     "exporters:\n  otlp: {endpoint: \"h:1\", retry_on_failure: {initial_interval: 10s, "
     "max_interval: 1s}}\n",
     {"retry_on_failure::max_interval", "must be >= initial_interval"}},
    {"RetryZeroInitial",
     "exporters:\n  otlp: {endpoint: \"h:1\", retry_on_failure: {initial_interval: 0}}\n",
     {"retry_on_failure::initial_interval", "must be greater than 0"}},
    {"DebugVerbosity",
     "exporters:\n  debug: {verbosity: verbose}\n",
     {"exporters::debug::verbosity",
      "unsupported value \"verbose\"; supported: basic, normal, detailed"}},
    {"DebugLogger",
     "exporters:\n  debug: {use_internal_logger: false}\n",
     {"exporters::debug::use_internal_logger",
      "supported: verbosity, sampling_initial, sampling_thereafter"}},
};
INSTANTIATE_TEST_SUITE_P(Exporters, Rejects, ::testing::ValuesIn(kExporters), test::case_name);

const RejectCase kExtensions[] = {
    {"NoToken",
     "extensions:\n  bearertokenauth:\n",
     {"test.yaml:2:3", "extensions::bearertokenauth::token", "token is required"}},
    {"EmptyToken",
     "extensions:\n  bearertokenauth: {token: \"\"}\n",
     {"extensions::bearertokenauth::token", "token is required"}},
    {"TokenFile",
     "extensions:\n  bearertokenauth: {filename: /t}\n",
     {"extensions::bearertokenauth::filename",
      "unsupported key \"filename\"; supported: scheme, token, header"}},
    {"HealthEndpoint",
     "extensions:\n  health_check: {endpoint: \"h:x\"}\n",
     {"extensions::health_check::endpoint", "invalid endpoint \"h:x\""}},
    {"HealthPath",
     "extensions:\n  health_check: {path: health}\n",
     {"extensions::health_check::path", "path \"health\" must start with /"}},
};
INSTANTIATE_TEST_SUITE_P(Extensions, Rejects, ::testing::ValuesIn(kExtensions), test::case_name);

const RejectCase kService[] = {
    {"UndefinedExtension",
     "service:\n  extensions: [health_check]\n",
     {"service::extensions",
      "references extension \"health_check\" which is not defined in extensions"}},
    {"RepeatedExtension",
     "extensions: {health_check: }\nservice:\n  extensions: [health_check, health_check]\n",
     {"service::extensions", "lists extension \"health_check\" more than once"}},
    {"MetricsPipeline",
     "service:\n  pipelines:\n    metrics: {receivers: [otlp], exporters: [debug]}\n",
     {"test.yaml:3:5", "service::pipelines::metrics", "only traces pipelines are supported"}},
    {"LogsPipeline",
     "service:\n  pipelines:\n    logs/x: {receivers: [otlp], exporters: [debug]}\n",
     {"service::pipelines::logs/x", "only traces pipelines are supported"}},
    {"UnknownPipelineType",
     "service:\n  pipelines:\n    spans: {}\n",
     {"service::pipelines::spans", "unknown pipeline type \"spans\"; supported: traces"}},
    {"BadPipelineId",
     "service:\n  pipelines:\n    traces/: {}\n",
     {"service::pipelines::traces/", "invalid pipeline id"}},
    {"NoReceivers",
     "service:\n  pipelines:\n    traces/b: {exporters: [debug]}\n",
     {"service::pipelines::traces/b::receivers", "a pipeline needs at least one receiver"}},
    {"NoExporters",
     "service:\n  pipelines:\n    traces/b: {receivers: [otlp], exporters: []}\n",
     {"service::pipelines::traces/b::exporters", "a pipeline needs at least one exporter"}},
    {"UndefinedReceiver",
     "service:\n  pipelines:\n    traces: {receivers: [otlp/x]}\n",
     {"service::pipelines::traces::receivers",
      "references receiver \"otlp/x\" which is not defined in receivers"}},
    {"UndefinedProcessor",
     "service:\n  pipelines:\n    traces: {processors: [batch]}\n",
     {"service::pipelines::traces::processors",
      "references processor \"batch\" which is not defined in processors"}},
    {"UndefinedExporter",
     "service:\n  pipelines:\n    traces: {exporters: [otlp]}\n",
     {"service::pipelines::traces::exporters",
      "references exporter \"otlp\" which is not defined in exporters"}},
    {"RepeatedProcessor",
     "processors: {batch: }\nservice:\n  pipelines:\n    traces: {processors: [batch, batch]}\n",
     {"service::pipelines::traces::processors", "references processor \"batch\" more than once"}},
    {"RepeatedExporter",
     "service:\n  pipelines:\n    traces: {exporters: [debug, debug]}\n",
     {"service::pipelines::traces::exporters", "references exporter \"debug\" more than once"}},
    {"RefsNotStrings",
     "service:\n  pipelines:\n    traces: {receivers: [{otlp: 1}]}\n",
     {"service::pipelines::traces::receivers[0]", "expected a string, got a map"}},
    {"NoPipelines",
     "service:\n  pipelines:\n",
     {"service::pipelines", "at least one traces pipeline is required"}},
    {"ServiceKey",
     "service:\n  graph: {}\n",
     {"service::graph", "supported: extensions, pipelines, telemetry"}},
    {"AuthUndefined",
     "receivers:\n  otlp:\n    protocols: {grpc: {auth: {authenticator: bearertokenauth}}}\n",
     {"receivers::otlp::protocols::grpc::auth::authenticator",
      "authenticator \"bearertokenauth\" is not a defined extension"}},
    {"AuthWrongType",
     "extensions: {health_check: }\nservice: {extensions: [health_check]}\n"
     "exporters:\n  otlp: {endpoint: \"h:1\", auth: {authenticator: health_check}}\n",
     {"exporters::otlp::auth::authenticator",
      "is a health_check extension; supported authenticators: bearertokenauth"}},
    {"AuthNotEnabled",
     "extensions: {bearertokenauth: {token: t}}\n"
     "receivers:\n  otlp:\n    protocols: {http: {auth: {authenticator: bearertokenauth}}}\n",
     {"receivers::otlp::protocols::http::auth::authenticator",
      "authenticator extension \"bearertokenauth\" is not enabled: add it to service::extensions"}},
    {"MetricsLevel",
     "service:\n  telemetry: {metrics: {level: verbose}}\n",
     {"service::telemetry::metrics::level",
      "unsupported metrics level \"verbose\"; supported: none, basic, normal, detailed"}},
    {"LogsLevel",
     "service:\n  telemetry: {logs: {level: trace}}\n",
     {"service::telemetry::logs::level",
      "unsupported logs level \"trace\"; supported: debug, info, warn, error"}},
    {"MetricsAddress",
     "service:\n  telemetry: {metrics: {address: \"localhost\"}}\n",
     {"service::telemetry::metrics::address", "invalid endpoint \"localhost\""}},
    {"AddressAndReaders",
     "service:\n  telemetry: {metrics: {address: \"h:1\", readers: []}}\n",
     {"service::telemetry::metrics::readers", "set either address or readers, not both"}},
    {"PeriodicReader",
     "service:\n  telemetry: {metrics: {readers: [{periodic: {}}]}}\n",
     {"service::telemetry::metrics::readers[0]::periodic",
      "unsupported key \"periodic\"; supported: pull"}},
    {"ReaderWithoutPort",
     "service:\n  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: h}}}}]}}\n",
     {"readers[0]::pull::exporter::prometheus", "with host and port is required"}},
    {"TelemetryTraces",
     "service:\n  telemetry: {traces: {}}\n",
     {"service::telemetry::traces", "unsupported key \"traces\"; supported: metrics, logs"}},
    {"LogsEncoding",
     "service:\n  telemetry: {logs: {encoding: json}}\n",
     {"service::telemetry::logs::encoding", "supported: level"}},
};
INSTANTIATE_TEST_SUITE_P(Service, Rejects, ::testing::ValuesIn(kService), test::case_name);

TEST(ConfigService, HttpExporterMayGiveOnlyTracesEndpoint) {
  LoadResult r = test::load_over_minimal(
      "exporters:\n  otlphttp: {traces_endpoint: \"https://h:4318/v1/traces\"}\n");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(settings_of<OtlpExporterConfig>(r.config->exporters, "otlphttp").endpoint, "");
}

TEST(ConfigService, TelemetryReadersAndLevels) {
  auto load = [](std::string_view telemetry) {
    return test::load_over_minimal("service:\n  telemetry: " + std::string(telemetry) + "\n");
  };
  LoadResult r =
      load("{metrics: {readers: [{pull: {exporter: {prometheus: {host: \"::1\", port: 9464}}}}]}}");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(r.config->telemetry.metrics_address, "[::1]:9464");
  r = load("{metrics: {readers: []}}");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(r.config->telemetry.metrics_address, "");  // no reader: nothing served
  r = load("{metrics: {level: None, address: \"h:1\"}, logs: {level: WARN}}");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(r.config->telemetry.metrics_level, "none");
  EXPECT_EQ(r.config->telemetry.metrics_address, "");  // level none: not served
  EXPECT_EQ(r.config->telemetry.logs_level, "warn");
}

TEST(ConfigService, UnusedComponentsAreStillValidated) {
  LoadResult r = test::load_over_minimal("processors:\n  batch/unused: {send_batch_size: \"x\"}\n");
  EXPECT_TRUE(fails_with(r, {"processors::batch/unused::send_batch_size"}));
  r = test::load_over_minimal("processors:\n  batch/unused: {send_batch_size: 10}\n");
  EXPECT_TRUE(loads_cleanly(r));  // defined but unused is fine
}

TEST(ConfigService, EmptyConnectorsAreAccepted) {
  EXPECT_TRUE(loads_cleanly(test::load_over_minimal("connectors:\n")));
  EXPECT_TRUE(loads_cleanly(test::load_over_minimal("connectors: {}\n")));
}

}  // namespace
}  // namespace spanline::collector
