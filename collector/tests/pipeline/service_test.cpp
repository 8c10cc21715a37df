#include "pipeline/service.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "../fake_otlp_sink.h"
#include "../test_traces.h"
#include "receivers/otlp_receiver.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = beast::http;
using testing::FakeOtlpSink;
using testing::make_traces;

struct Reply {
  int status = 0;
  std::string body;
};

// One blocking HTTP/1.1 exchange with 127.0.0.1:port.
Reply exchange(std::uint16_t port, http::verb method, const std::string& target,
               const std::string& body = "", const std::string& content_type = "",
               const std::string& authorization = "") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

Config load(const std::string& yaml) {
  LoadResult r = load_config_text({{"test.yaml", yaml}});
  for (const auto& e : r.errors) ADD_FAILURE() << e;
  return *r.config;
}

std::string hierarchy_yaml(const std::string& downstream, bool auth) {
  std::string y = R"(
extensions:
  health_check:
    endpoint: 127.0.0.1:0
  bearertokenauth:
    token: s3cret
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
)";
  if (auth) y += "        auth:\n          authenticator: bearertokenauth\n";
  y += R"(processors:
  batch:
    timeout: 10ms
  resource:
    attributes:
      - key: collector.type
        value: central
        action: insert
exporters:
  otlphttp:
    endpoint: )" +
       downstream + R"(
    compression: none
    retry_on_failure:
      initial_interval: 10ms
service:
  extensions: [health_check, bearertokenauth]
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch, resource]
      exporters: [otlphttp]
)";
  return y;
}

TEST(Service, SpansFlowThroughProcessorsToTheExporterWithMetricsAndHealth) {
  FakeOtlpSink sink;
  Service service(load(hierarchy_yaml(sink.url(), false)));
  service.start();
  const std::uint16_t port = service.receiver("otlp")->http_port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(exchange(service.health_port("health_check"), http::verb::get, "/").status, 200);

  const std::string body = testing::make_request(7).SerializeAsString();
  EXPECT_EQ(exchange(port, http::verb::post, "/v1/traces", body, "application/x-protobuf").status,
            200);
  for (int i = 0; i < 500 && sink.received().empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(sink.received().size(), 1u);
  ExportTraceServiceRequest got;
  ASSERT_TRUE(got.ParseFromString(sink.received()[0].body));
  EXPECT_EQ(count_spans(got), 7u);
  bool tagged = false;
  for (const auto& kv : got.resource_spans(0).resource().attributes())
    tagged = tagged || (kv.key() == "collector.type" && kv.value().string_value() == "central");
  EXPECT_TRUE(tagged);

  const Reply metrics = exchange(service.metrics_port(), http::verb::get, "/metrics");
  EXPECT_NE(
      metrics.body.find("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 7"),
      std::string::npos)
      << metrics.body;
  service.shutdown(Clock::now() + 5s);
  service.shutdown(Clock::now() + 5s);
}

TEST(Service, WrongOrMissingTokenIs401AndNothingIsForwarded) {
  FakeOtlpSink sink;
  Service service(load(hierarchy_yaml(sink.url(), true)));
  service.start();
  const std::uint16_t port = service.receiver("otlp")->http_port();
  const std::string body = testing::make_request(2).SerializeAsString();
  EXPECT_EQ(exchange(port, http::verb::post, "/v1/traces", body, "application/x-protobuf").status,
            401);
  EXPECT_EQ(
      exchange(port, http::verb::post, "/v1/traces", body, "application/x-protobuf", "Bearer wrong")
          .status,
      401);
  EXPECT_EQ(exchange(port, http::verb::post, "/v1/traces", body, "application/x-protobuf",
                     "Bearer s3cret")
                .status,
            200);
  service.shutdown(Clock::now() + 5s);  // flushes the batch
  ASSERT_EQ(sink.received().size(), 1u);
  ExportTraceServiceRequest got;
  ASSERT_TRUE(got.ParseFromString(sink.received()[0].body));
  EXPECT_EQ(count_spans(got), 2u);
}

}  // namespace
}  // namespace spanline::collector
