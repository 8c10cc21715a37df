// Every decode and validate rule of the components, each with the message it
// produces (path, bad value, what is supported).
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
using test::fails_with;
using test::loads_cleanly;
using test::RejectCase;
using test::settings_of;

class RejectsComponent : public ::testing::TestWithParam<RejectCase> {};

TEST_P(RejectsComponent, WithMessage) {
  LoadResult r = test::load_over_minimal(GetParam().yaml);
  EXPECT_TRUE(fails_with(r, GetParam().parts)) << GetParam().yaml;
}

const RejectCase kIdsAndTypes[] = {
    {"EmptyName",
     "receivers:\n  otlp/:\n",
     {"test.yaml:2:3", "receivers::otlp/", "invalid component id \"otlp/\""}},
    {"TwoSlashes",
     "processors:\n  batch/a/b:\n",
     {"processors::batch/a/b", "invalid component id", "without '/'"}},
    {"BadType",
     "processors:\n  1batch:\n",
     {"invalid component id \"1batch\"", "must be a letter"}},
    {"SpaceInName", "processors:\n  \"batch/a b\":\n", {"invalid component id \"batch/a b\""}},
    {"UnknownReceiver",
     "receivers:\n  jaeger:\n",
     {"receivers::jaeger", "unknown receiver type \"jaeger\"; supported: otlp"}},
    {"UnknownProcessor",
     "processors:\n  tail_sampling/x:\n",
     {"processors::tail_sampling/x",
      "unknown processor type \"tail_sampling\"; supported: batch, "
      "memory_limiter, resource, attributes, probabilistic_sampler"}},
    {"UnknownExporter",
     "exporters:\n  zipkin:\n",
     {"exporters::zipkin",
      "unknown exporter type \"zipkin\"; supported: otlp, otlp_grpc, otlphttp, otlp_http, debug"}},
    {"UnknownExtension",
     "extensions:\n  oauth2client:\n",
     {"extensions::oauth2client",
      "unknown extension type \"oauth2client\"; supported: bearertokenauth, health_check"}},
    {"LoggingExporterIsGone", "exporters:\n  logging:\n", {"unknown exporter type \"logging\""}},
    {"SectionNotAMap",
     "processors: [batch]\n",
     {"processors", "expected a map of component ids, got a list"}},
    {"ComponentNotAMap",
     "processors:\n  batch: [1]\n",
     {"processors::batch", "expected a map, got a list"}},
    {"UnknownTopLevelKey",
     "pipelines: {}\n",
     {"test.yaml:1:1",
      "pipelines: unsupported key \"pipelines\"; supported: receivers, processors, "
      "exporters, extensions, service, connectors"}},
    {"Connectors", "connectors:\n  forward:\n", {"connectors", "connectors are not supported"}},
};
INSTANTIATE_TEST_SUITE_P(IdsAndTypes, RejectsComponent, ::testing::ValuesIn(kIdsAndTypes),
                         test::case_name);

const RejectCase kReceivers[] = {
    {"NoProtocols",
     "receivers:\n  otlp/x:\n    protocols: {}\n",
     {"receivers::otlp/x::protocols", "must specify at least one protocol"}},
    {"NoProtocolsKey",
     "receivers:\n  otlp/x:\n",
     {"receivers::otlp/x::protocols", "at least one protocol"}},
    {"UnknownProtocol",
     "receivers:\n  otlp:\n    protocols: {thrift: }\n",
     {"receivers::otlp::protocols::thrift", "unsupported key \"thrift\"; supported: grpc, http"}},
    {"HostWithoutPort",
     "receivers:\n  otlp:\n    protocols: {grpc: {endpoint: localhost}}\n",
     {"receivers::otlp::protocols::grpc::endpoint", "invalid endpoint \"localhost\"", "host:port"}},
    {"PortTooLarge",
     "receivers:\n  otlp:\n    protocols: {http: {endpoint: \"h:65536\"}}\n",
     {"receivers::otlp::protocols::http::endpoint", "invalid endpoint \"h:65536\""}},
    {"UnbracketedV6",
     "receivers:\n  otlp:\n    protocols: {http: {endpoint: \"::1:80\"}}\n",
     {"invalid endpoint \"::1:80\""}},
    {"SameEndpoint",
     "receivers:\n  otlp:\n    protocols: {grpc: {endpoint: \"h:1\"}, http: {endpoint: \"h:1\"}}\n",
     {"receivers::otlp::protocols::http::endpoint", "same endpoint \"h:1\""}},
    {"ZeroMsgSize",
     "receivers:\n  otlp:\n    protocols: {grpc: {max_recv_msg_size_mib: 0}}\n",
     {"protocols::grpc::max_recv_msg_size_mib", "must be greater than 0"}},
    {"NegativeMsgSize",
     "receivers:\n  otlp:\n    protocols: {grpc: {max_recv_msg_size_mib: -1}}\n",
     {"protocols::grpc::max_recv_msg_size_mib", "value -1 out of range"}},
    {"BodySizeString",
     "receivers:\n  otlp:\n    protocols: {http: {max_request_body_size: 1MiB}}\n",
     {"protocols::http::max_request_body_size",
      "expected a non-negative integer, got string \"1MiB\""}},
    {"GrpcTransport",
     "receivers:\n  otlp:\n    protocols: {grpc: {transport: tcp}}\n",
     {"protocols::grpc::transport",
      "unsupported key \"transport\"; supported: endpoint, max_recv_msg_size_mib, auth"}},
    {"HttpTls",
     "receivers:\n  otlp:\n    protocols: {http: {tls: {}}}\n",
     {"protocols::http::tls",
      "supported: endpoint, traces_url_path, max_request_body_size, auth, cors"}},
    {"AuthWithoutAuthenticator",
     "receivers:\n  otlp:\n    protocols: {grpc: {auth: {}}}\n",
     {"protocols::grpc::auth::authenticator", "authenticator is required when auth is set"}},
    {"CorsNegativeMaxAge",
     "receivers:\n  otlp:\n    protocols: {http: {cors: {max_age: -5}}}\n",
     {"protocols::http::cors::max_age", "out of range"}},
    {"CorsOriginsMap",
     "receivers:\n  otlp:\n    protocols: {http: {cors: {allowed_origins: {a: b}}}}\n",
     {"cors::allowed_origins", "expected a list of strings, got a map"}},
    {"CorsOriginInt",
     "receivers:\n  otlp:\n    protocols: {http: {cors: {allowed_origins: [5]}}}\n",
     {"cors::allowed_origins[0]", "expected a string, got int 5"}},
};
INSTANTIATE_TEST_SUITE_P(Receivers, RejectsComponent, ::testing::ValuesIn(kReceivers),
                         test::case_name);

const RejectCase kProcessors[] = {
    {"BatchMaxBelowSize",
     "processors:\n  batch: {send_batch_size: 100, send_batch_max_size: 50}\n",
     {"processors::batch::send_batch_max_size", "(50) must be 0 or >= send_batch_size (100)"}},
    {"BatchNegativeTimeout",
     "processors:\n  batch: {timeout: -1s}\n",
     {"processors::batch::timeout", "duration -1s must not be negative"}},
    {"BatchBadTimeout",
     "processors:\n  batch: {timeout: soon}\n",
     {"processors::batch::timeout", "expected a duration", "got string \"soon\""}},
    {"BatchSizeQuoted",
     "processors:\n  batch: {send_batch_size: \"100\"}\n",
     {"processors::batch::send_batch_size", "got string \"100\""}},
    {"BatchSizeFloat", "processors:\n  batch: {send_batch_size: 1.5}\n", {"got float 1.5"}},
    {"BatchSizeOverflow",
     "processors:\n  batch: {send_batch_size: 4294967296}\n",
     {"value 4294967296 out of range 0..4294967295"}},
    {"BatchMetadataKeys",
     "processors:\n  batch: {metadata_keys: [a]}\n",
     {"processors::batch::metadata_keys",
      "supported: timeout, send_batch_size, send_batch_max_size"}},
    {"LimiterNoInterval",
     "processors:\n  memory_limiter: {limit_mib: 100}\n",
     {"processors::memory_limiter::check_interval", "must be greater than 0"}},
    {"LimiterNoLimit",
     "processors:\n  memory_limiter: {check_interval: 1s}\n",
     {"processors::memory_limiter:", "one of limit_mib or limit_percentage is required"}},
    {"LimiterBothLimits",
     "processors:\n  memory_limiter: {check_interval: 1s, limit_mib: 100, limit_percentage: 50}\n",
     {"processors::memory_limiter:", "either limit_mib or limit_percentage, not both"}},
    {"LimiterSpikeMib",
     "processors:\n  memory_limiter: {check_interval: 1s, limit_mib: 100, spike_limit_mib: 100}\n",
     {"processors::memory_limiter::spike_limit_mib", "(100) must be less than limit_mib (100)"}},
    {"LimiterSpikePct",
     "processors:\n  memory_limiter: {check_interval: 1s, limit_percentage: 50, "
     "spike_limit_percentage: 60}\n",
     {"memory_limiter::spike_limit_percentage", "must be less than limit_percentage (50)"}},
    {"LimiterPctOver100",
     "processors:\n  memory_limiter: {check_interval: 1s, limit_percentage: 101}\n",
     {"memory_limiter::limit_percentage", "(101) must be in 1..100"}},
    {"LimiterMixedStyles",
     "processors:\n  memory_limiter: {check_interval: 1s, limit_mib: 100, spike_limit_percentage: "
     "10}\n",
     {"memory_limiter::spike_limit_percentage", "needs limit_percentage"}},
    {"ResourceUsesAttributesKey",
     "processors:\n  resource:\n    actions: [{key: a, value: b, action: insert}]\n",
     {"processors::resource::actions", "unsupported key \"actions\"; supported: attributes"}},
    {"ResourceNoActions",
     "processors:\n  resource:\n",
     {"processors::resource::attributes", "at least one action is required"}},
    {"AttributesNoActions",
     "processors:\n  attributes: {actions: []}\n",
     {"processors::attributes::actions", "at least one action is required"}},
    {"ActionsNotAList",
     "processors:\n  attributes: {actions: {key: a}}\n",
     {"processors::attributes::actions", "expected a list of actions, got a map"}},
    {"ActionMissing",
     "processors:\n  attributes: {actions: [{key: a, value: b}]}\n",
     {"processors::attributes::actions[0]::action",
      "action is required; supported: insert, update, upsert, delete"}},
    {"ActionUnsupported",
     "processors:\n  attributes: {actions: [{key: a, action: hash}]}\n",
     {"actions[0]::action",
      "unsupported action \"hash\"; supported: insert, update, upsert, delete"}},
    {"ActionNoKey",
     "processors:\n  resource: {attributes: [{value: b, action: insert}]}\n",
     {"processors::resource::attributes[0]::key", "key is required"}},
    {"ActionNoValue",
     "processors:\n  attributes: {actions: [{key: a, action: upsert}]}\n",
     {"processors::attributes::actions[0]", "value or from_attribute is required"}},
    {"ActionTwoSources",
     "processors:\n  attributes: {actions: [{key: a, value: 1, from_attribute: b, action: "
     "insert}]}\n",
     {"actions[0]", "either value or from_attribute, not both"}},
    {"DeleteWithValue",
     "processors:\n  attributes: {actions: [{key: a, value: 1, action: delete}]}\n",
     {"actions[0]", "delete takes neither value nor from_attribute"}},
    {"ActionValueMap",
     "processors:\n  attributes: {actions: [{key: a, value: {x: 1}, action: insert}]}\n",
     {"actions[0]::value", "expected a scalar", "got a map"}},
    {"ActionExtraKey",
     "processors:\n  attributes: {actions: [{key: a, pattern: x, action: delete}]}\n",
     {"actions[0]::pattern", "supported: key, action, value, from_attribute"}},
    {"ActionNotAMap",
     "processors:\n  attributes: {actions: [insert]}\n",
     {"processors::attributes::actions[0]", "expected a map, got string \"insert\""}},
    {"SamplerAbove100",
     "processors:\n  probabilistic_sampler: {sampling_percentage: 100.5}\n",
     {"probabilistic_sampler::sampling_percentage", "100.5", "must be in 0..100"}},
    {"SamplerNegative",
     "processors:\n  probabilistic_sampler: {sampling_percentage: -1}\n",
     {"probabilistic_sampler::sampling_percentage", "must be in 0..100"}},
    {"SamplerString",
     "processors:\n  probabilistic_sampler: {sampling_percentage: half}\n",
     {"probabilistic_sampler::sampling_percentage", "expected a number, got string \"half\""}},
    {"SamplerMode",
     "processors:\n  probabilistic_sampler: {mode: proportional}\n",
     {"probabilistic_sampler::mode", "supported: sampling_percentage, hash_seed"}},
};
INSTANTIATE_TEST_SUITE_P(Processors, RejectsComponent, ::testing::ValuesIn(kProcessors),
                         test::case_name);

TEST(ConfigComponents, TracesUrlPathGetsALeadingSlash) {
  LoadResult r = test::load_over_minimal(
      "receivers:\n  otlp:\n    protocols: {http: {traces_url_path: v1/t}}\n");
  ASSERT_TRUE(loads_cleanly(r));
  EXPECT_EQ(settings_of<OtlpReceiverConfig>(r.config->receivers, "otlp").http->traces_url_path,
            "/v1/t");
}

TEST(ConfigComponents, StringListsAcceptACommaSeparatedString) {
  LoadResult r = test::load_over_minimal(
      "receivers:\n  otlp:\n    protocols: {http: {cors: {allowed_origins: \"a,b\"}}}\n"
      "service:\n  pipelines:\n    traces:\n      receivers: otlp\n");
  ASSERT_TRUE(loads_cleanly(r));
  const auto& otlp = settings_of<OtlpReceiverConfig>(r.config->receivers, "otlp");
  EXPECT_EQ(otlp.http->cors->allowed_origins, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.config->pipelines[0].receivers, (std::vector<std::string>{"otlp"}));
}

TEST(ConfigComponents, ErrorsDoNotCascadeIntoValidation) {
  // The type error is reported; "endpoint is required" would only repeat it.
  LoadResult r = test::load_over_minimal("exporters:\n  otlp: {endpoint: [a]}\n");
  EXPECT_TRUE(fails_with(r, {"exporters::otlp::endpoint", "expected a string, got a list"}));
  EXPECT_EQ(r.errors.size(), 1u) << test::join_lines(r.errors);
}

}  // namespace
}  // namespace spanline::collector
