#include "spanline/telemetry/sdk/resource.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry {
namespace {

std::string str(const Resource& r, std::string_view key) {
  const auto* v = r.find(key);
  return v ? to_display_string(*v) : "<missing>";
}

struct EnvGuard {
  ~EnvGuard() {
    unsetenv("OTEL_SERVICE_NAME");
    unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  }
};

TEST(Resource, ParsesAndPercentDecodesAttributes) {
  auto attrs = parse_resource_attributes(
      " service.name = my%20svc ,deployment.environment=prod,bad,=novalue,x=%zz,k=a%2Cb");
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].key, "service.name");
  EXPECT_EQ(std::get<std::string>(attrs[0].value), "my svc");
  EXPECT_EQ(std::get<std::string>(attrs[1].value), "prod");
  EXPECT_EQ(std::get<std::string>(attrs[2].value), "a,b");
}

TEST(Resource, DefaultsDescribeSdkProcessAndHost) {
  EnvGuard guard;
  unsetenv("OTEL_SERVICE_NAME");
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  auto r = resource_from_env();
  EXPECT_EQ(str(r, "telemetry.sdk.name"), "spanline");
  EXPECT_EQ(str(r, "telemetry.sdk.language"), "cpp");
  EXPECT_NE(str(r, "telemetry.sdk.version"), "<missing>");
  EXPECT_EQ(str(r, "process.pid"), std::to_string(getpid()));
  EXPECT_EQ(str(r, "process.executable.name"), program_invocation_short_name);
  EXPECT_EQ(str(r, "service.name"),
            std::string("unknown_service:") + program_invocation_short_name);
  EXPECT_EQ(str(r, "service.instance.id").size(), 36u);
  EXPECT_NE(str(r, "host.name"), "<missing>");
  EXPECT_NE(str(resource_from_env(), "service.instance.id"), "");
}

TEST(Resource, ServiceNamePrecedence) {
  EnvGuard guard;
  unsetenv("OTEL_SERVICE_NAME");
  setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,team=core", 1);
  EXPECT_EQ(str(resource_from_env("from-code"), "service.name"), "from-attrs");
  EXPECT_EQ(str(resource_from_env(), "team"), "core");
  setenv("OTEL_SERVICE_NAME", "from-env", 1);
  EXPECT_EQ(str(resource_from_env("from-code"), "service.name"), "from-env");
  unsetenv("OTEL_SERVICE_NAME");
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  EXPECT_EQ(str(resource_from_env("from-code"), "service.name"), "from-code");
}

TEST(Resource, MergeOverridesOnEqualKeys) {
  Resource a({{"k", std::string("a")}, {"only_a", true}});
  Resource b({{"k", std::string("b")}}, "https://opentelemetry.io/schemas/1.26.0");
  auto m = a.merged_with(b);
  EXPECT_EQ(str(m, "k"), "b");
  EXPECT_EQ(str(m, "only_a"), "true");
  EXPECT_EQ(m.schema_url(), "https://opentelemetry.io/schemas/1.26.0");
}

TEST(SpanLimitsEnv, ReadsSpecificThenGeneral) {
  setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "5", 1);
  setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", "3", 1);
  setenv("OTEL_SPAN_LINK_COUNT_LIMIT", "x", 1);
  setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "10", 1);
  setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20", 1);
  std::vector<std::string> warnings;
  auto l = SpanLimits::from_env(&warnings);
  EXPECT_EQ(l.attribute_count, 5u);
  EXPECT_EQ(l.event_count, 3u);
  EXPECT_EQ(l.link_count, 128u);
  EXPECT_EQ(l.attribute_value_length, 20u);
  EXPECT_EQ(warnings.size(), 1u);
  for (auto* v :
       {"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"})
    unsetenv(v);
}

}  // namespace
}  // namespace spanline::telemetry
