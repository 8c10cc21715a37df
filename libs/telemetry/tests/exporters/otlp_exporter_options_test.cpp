// OtlpExporterOptions: the OTEL_EXPORTER_OTLP_* environment and validate();
// and the transports' wire helpers (Retry-After, RetryInfo, endpoint URLs).
#include <gtest/gtest.h>

#include <cstdlib>

#include "exporters/otlp_fake_collectors.h"
#include "exporters/otlp_transport.h"
#include "spanline/telemetry/exporters/otlp_exporter.h"

namespace spanline::telemetry {
namespace {

using namespace std::chrono_literals;

OtlpExporterOptions options_for(OtlpProtocol protocol, std::string endpoint) {
  OtlpExporterOptions o;
  o.protocol = protocol;
  o.endpoint = std::move(endpoint);
  return o;
}

// ---------------------------------------------------------------------------
// Wire helpers

TEST(OtlpExporterWire, RetryAfterForms) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // 1994-11-06 08:49:37Z
  using otlp::parse_retry_after;
  EXPECT_EQ(parse_retry_after("1", now), 1s);
  EXPECT_EQ(parse_retry_after(" 120 ", now), 120s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now), 3s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now), 10s);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:50:37 1994", now), 60s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // past: now
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), 24h);       // capped
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-1", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT trailing", now));
}

TEST(OtlpExporterWire, RetryInfoFromStatusDetails) {
  const auto bytes = otlp_test::status_with_retry_info(14, "busy", 2, 500'000'000);
  EXPECT_EQ(otlp::retry_delay_from_status_details(bytes), 2500ms);
  EXPECT_EQ(otlp::message_from_status(bytes), "busy");
  EXPECT_FALSE(otlp::retry_delay_from_status_details(bytes.substr(0, bytes.size() - 3)));
  EXPECT_FALSE(otlp::retry_delay_from_status_details(""));
  std::string other;  // a detail of another type carries no delay
  otlp_test::put_int(other, 1, 14);
  std::string any;
  otlp_test::put_bytes(any, 1, "type.googleapis.com/google.rpc.DebugInfo");
  otlp_test::put_bytes(any, 2, "x");
  otlp_test::put_bytes(other, 3, any);
  EXPECT_FALSE(otlp::retry_delay_from_status_details(other));
}

TEST(OtlpExporterWire, EndpointParsing) {
  auto ep = otlp::parse_endpoint("http://[::1]:4318", false, nullptr);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "[::1]");
  EXPECT_EQ(ep->port, "4318");
  EXPECT_EQ(ep->target, "/");
  ep = otlp::parse_endpoint("HTTP://collector/base/v1/traces?x=1", false, nullptr);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->scheme, "http");
  EXPECT_EQ(ep->host, "collector");
  EXPECT_EQ(ep->port, "");
  EXPECT_EQ(ep->target, "/base/v1/traces?x=1");
  std::string error;
  EXPECT_FALSE(otlp::parse_endpoint("collector:4318", false, &error));
  EXPECT_FALSE(otlp::parse_endpoint("http://collector:99999", false, &error));
  EXPECT_NE(error.find("port"), std::string::npos);
  EXPECT_FALSE(otlp::parse_endpoint("http://:4318", false, nullptr));
  ep = otlp::parse_endpoint("collector:4317", true, nullptr);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->scheme, "");
  EXPECT_EQ(ep->host, "collector:4317");
}

// ---------------------------------------------------------------------------
// Options

// Clears every OTEL_EXPORTER_OTLP_* variable for the test, restores them after.
class OtlpExporterOptionsTest : public ::testing::Test {
 protected:
  static constexpr const char* kNames[] = {
      "OTEL_EXPORTER_OTLP_ENDPOINT",    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
      "OTEL_EXPORTER_OTLP_HEADERS",     "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
      "OTEL_EXPORTER_OTLP_TIMEOUT",     "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
      "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
      "OTEL_EXPORTER_OTLP_PROTOCOL",    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
      "OTEL_EXPORTER_OTLP_INSECURE",    "OTEL_EXPORTER_OTLP_TRACES_INSECURE"};
  void SetUp() override {
    for (const char* name : kNames) {
      if (const char* v = std::getenv(name)) saved_.emplace_back(name, v);
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kNames) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(OtlpExporterOptionsTest, DefaultsFollowTheSpec) {
  std::vector<std::string> warnings;
  auto o = OtlpExporterOptions::from_env(&warnings);
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.timeout, 10s);
  EXPECT_FALSE(o.gzip);
  EXPECT_TRUE(o.headers.empty());
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(o.validate(), "");
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://localhost:4317");
}

TEST_F(OtlpExporterOptionsTest, GenericEndpointGetsTheSignalPathOnlyForHttp) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
  EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://collector:4318/v1/traces");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base/");
  EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://collector:4318/base/v1/traces");
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317");
  EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://collector:4317");
}

TEST_F(OtlpExporterOptionsTest, TracesVariablesWin) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318");
  set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom");
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
  set("OTEL_EXPORTER_OTLP_HEADERS", "a=1");
  set("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2");
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");
  set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500");
  set("OTEL_EXPORTER_OTLP_COMPRESSION", "none");
  set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip");
  auto o = OtlpExporterOptions::from_env();
  EXPECT_EQ(o.endpoint, "http://traces:9999/custom");  // used as-is
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpJson);
  ASSERT_EQ(o.headers.size(), 1u);
  EXPECT_EQ(o.headers[0], (std::pair<std::string, std::string>{"b", "2"}));
  EXPECT_EQ(o.timeout, 2500ms);
  EXPECT_TRUE(o.gzip);
}

TEST_F(OtlpExporterOptionsTest, HeadersArePercentDecoded) {
  set("OTEL_EXPORTER_OTLP_HEADERS", "k1=v1, k2 = v%20v2 ,api%2Dkey=a%3Db,broken,=x,k3=%zz");
  std::vector<std::string> warnings;
  auto o = OtlpExporterOptions::from_env(&warnings);
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(o.headers, (std::vector<Header>{{"k1", "v1"}, {"k2", "v v2"}, {"api-key", "a=b"}}));
  EXPECT_EQ(warnings.size(), 3u);
}

TEST_F(OtlpExporterOptionsTest, ProtocolsAndFlags) {
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
  EXPECT_EQ(OtlpExporterOptions::from_env().protocol, OtlpProtocol::kHttpProtobuf);
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
  EXPECT_EQ(OtlpExporterOptions::from_env().protocol, OtlpProtocol::kHttpJson);
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  set("OTEL_EXPORTER_OTLP_INSECURE", "TRUE");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317");
  auto o = OtlpExporterOptions::from_env();
  EXPECT_EQ(o.protocol, OtlpProtocol::kGrpc);
  EXPECT_TRUE(o.insecure);
  EXPECT_EQ(o.endpoint, "collector:4317");
  EXPECT_EQ(o.validate(), "");
}

TEST_F(OtlpExporterOptionsTest, MalformedValuesKeepDefaultsWithWarnings) {
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url");
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "10s");
  set("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli");
  set("OTEL_EXPORTER_OTLP_INSECURE", "maybe");
  std::vector<std::string> warnings;
  auto o = OtlpExporterOptions::from_env(&warnings);
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.timeout, 10s);
  EXPECT_FALSE(o.gzip);
  EXPECT_FALSE(o.insecure);
  ASSERT_EQ(warnings.size(), 5u);
  EXPECT_NE(warnings[0].find("OTEL_EXPORTER_OTLP_PROTOCOL"), std::string::npos);
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "0");
  warnings.clear();
  EXPECT_EQ(OtlpExporterOptions::from_env(&warnings).timeout, 10s);
  EXPECT_EQ(warnings.size(), 5u);
}

TEST(OtlpExporterValidate, ReportsWhatIsWrong) {
  auto valid = options_for(OtlpProtocol::kHttpProtobuf, "http://localhost:4318/v1/traces");
  EXPECT_EQ(valid.validate(), "");
  auto expect_error = [&](auto mutate, std::string_view needle) {
    auto o = valid;
    mutate(o);
    const auto error = o.validate();
    EXPECT_NE(error.find(needle), std::string::npos) << "got: \"" << error << "\"";
    EXPECT_THROW(make_otlp_exporter(o), std::invalid_argument);
  };
  expect_error([](auto& o) { o.endpoint.clear(); }, "empty");
  expect_error([](auto& o) { o.endpoint = "https://collector:4318/v1/traces"; }, "https");
  expect_error([](auto& o) { o.endpoint = "ftp://collector/"; }, "endpoint");
  expect_error([](auto& o) { o.endpoint = "http://collector:0/"; }, "port");
  expect_error([](auto& o) { o.timeout = 0ms; }, "timeout");
  expect_error([](auto& o) { o.retry.max_attempts = 0; }, "max_attempts");
  expect_error([](auto& o) { o.retry.multiplier = 0.5; }, "multiplier");
  expect_error([](auto& o) { o.headers = {{"x-bad", "a\r\nInjected: 1"}}; }, "x-bad");
  expect_error([](auto& o) { o.headers = {{"bad name", "v"}}; }, "bad name");
  expect_error([](auto& o) { o.headers = {{"Content-Length", "1"}}; }, "set by the exporter");
  expect_error(
      [](auto& o) {
        o.protocol = OtlpProtocol::kGrpc;
        o.headers = {{"grpc-timeout", "1"}};
      },
      "grpc-");
  auto grpc = options_for(OtlpProtocol::kGrpc, "https://collector:4317");
  EXPECT_EQ(grpc.validate(), "");
  grpc.endpoint = "collector:4317";
  EXPECT_EQ(grpc.validate(), "");
}

}  // namespace
}  // namespace spanline::telemetry
