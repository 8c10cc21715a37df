#include <gtest/gtest.h>

#include <thread>

#include "../fake_otlp_sink.h"
#include "../test_traces.h"
#include "exporters/debug_exporter.h"
#include "exporters/otlp_exporter.h"
#include "extensions/bearer_token_auth.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
using testing::FakeOtlpSink;
using testing::make_traces;

OtlpExporterConfig http_config(const std::string& url) {
  OtlpExporterConfig c;
  c.grpc = false;
  c.endpoint = url;
  c.compression = Compression::kNone;
  c.retry_on_failure.initial_interval = 10ms;
  c.retry_on_failure.max_interval = 20ms;
  c.retry_on_failure.max_elapsed_time = 5s;
  return c;
}

bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(OtlpHttpExporter, SendsProtobufWithAuthAndCountsSpans) {
  FakeOtlpSink sink;
  Metrics metrics;
  BearerTokenAuth auth({"Bearer", "s3cret", "Authorization"});
  OtlpTracesExporter exporter("otlphttp/central", http_config(sink.url()), &auth, metrics);
  exporter.start();
  Traces t = make_traces(5);
  const Traces sent = t.clone();
  ASSERT_TRUE(exporter.consume(std::move(t)).is_ok());
  ASSERT_TRUE(wait_until([&] { return sink.received().size() == 1; }));
  const auto r = sink.received()[0];
  EXPECT_EQ(r.content_type, "application/x-protobuf");
  EXPECT_EQ(r.authorization, "Bearer s3cret");
  ExportTraceServiceRequest got;
  ASSERT_TRUE(got.ParseFromString(r.body));
  EXPECT_EQ(got.SerializeAsString(), sent.merged().SerializeAsString());
  exporter.shutdown(Clock::now() + 2s);
  EXPECT_NE(metrics.render().find("otelcol_exporter_sent_spans{exporter=\"otlphttp/central\"} 5"),
            std::string::npos);
}

TEST(OtlpHttpExporter, JsonEncodingAndGzip) {
  FakeOtlpSink sink;
  Metrics metrics;
  OtlpExporterConfig c = http_config(sink.url());
  c.encoding = OtlpEncoding::kJson;
  c.compression = Compression::kGzip;
  c.sending_queue.enabled = false;
  OtlpTracesExporter exporter("otlphttp", c, nullptr, metrics);
  exporter.start();
  ASSERT_TRUE(exporter.consume(make_traces(2)).is_ok());  // synchronous without a queue
  ASSERT_EQ(sink.received().size(), 1u);
  EXPECT_EQ(sink.received()[0].content_type, "application/json");
  EXPECT_EQ(sink.received()[0].content_encoding, "gzip");
  exporter.shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporter, RetriesThroughUnavailableThenDelivers) {
  FakeOtlpSink sink;
  sink.fail_next(3);
  Metrics metrics;
  OtlpTracesExporter exporter("otlphttp", http_config(sink.url()), nullptr, metrics);
  exporter.start();
  ASSERT_TRUE(exporter.consume(make_traces(4)).is_ok());
  ASSERT_TRUE(wait_until([&] { return sink.received().size() == 1; }));
  EXPECT_EQ(sink.attempts(), 4);
  exporter.shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporter, DownstreamDownDropsAndCountsAfterTheRetryBudget) {
  Metrics metrics;
  OtlpExporterConfig c = http_config("http://127.0.0.1:1");  // nothing listens
  c.retry_on_failure.max_elapsed_time = 100ms;
  c.sending_queue.enabled = false;
  OtlpTracesExporter exporter("otlphttp", c, nullptr, metrics);
  exporter.start();
  const ConsumeResult r = exporter.consume(make_traces(3));
  EXPECT_EQ(r.status, ConsumeResult::Status::kRetryable);
  EXPECT_NE(metrics.render().find("otelcol_exporter_send_failed_spans{exporter=\"otlphttp\"} 3"),
            std::string::npos);
  exporter.shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporter, FullQueueRefusesAndShutdownDropsWhatIsLeft) {
  Metrics metrics;
  OtlpExporterConfig c = http_config("http://127.0.0.1:1");
  c.retry_on_failure.max_elapsed_time = 0ns;  // retry forever: the consumer is stuck
  c.sending_queue.num_consumers = 1;
  c.sending_queue.queue_size = 2;
  OtlpTracesExporter exporter("otlp_http", c, nullptr, metrics);
  exporter.start();
  int refused = 0;
  for (int i = 0; i < 6; ++i)
    refused += exporter.consume(make_traces(1)).status == ConsumeResult::Status::kRetryable;
  EXPECT_GE(refused, 3);  // one in flight at most, two queued
  EXPECT_NE(metrics.render().find("otelcol_exporter_queue_capacity{exporter=\"otlp_http\"} 2"),
            std::string::npos);
  exporter.shutdown(Clock::now() + 200ms);  // returns: the stuck send is aborted
  EXPECT_NE(metrics.render().find("otelcol_exporter_send_failed_spans{exporter=\"otlp_http\"} 6"),
            std::string::npos);
}

TEST(DebugExporter, VerbosityLevels) {
  const ExportTraceServiceRequest t = testing::make_request(2, "checkout");
  const std::string basic = format_debug(t, 2, DebugVerbosity::kBasic);
  EXPECT_EQ(basic, "Traces {\"resource spans\": 1, \"spans\": 2}\n");
  const std::string normal = format_debug(t, 2, DebugVerbosity::kNormal);
  EXPECT_NE(normal.find("span 1 "), std::string::npos);
  const std::string detailed = format_debug(t, 2, DebugVerbosity::kDetailed);
  EXPECT_NE(detailed.find("-> service.name: Str(checkout)"), std::string::npos);
  EXPECT_NE(detailed.find("-> i: Int(1)"), std::string::npos);
}

TEST(DebugExporter, BasicCountsWireRequestsWithoutDecodingThem) {
  Metrics metrics;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  DebugExporterConfig config;
  config.verbosity = DebugVerbosity::kBasic;
  DebugExporter debug("debug", config, metrics, out);
  Traces t = testing::make_wire_traces(3, "a");
  t.append(testing::make_wire_traces(2, "b"));
  ASSERT_TRUE(debug.consume(std::move(t)).is_ok());
  std::rewind(out);
  char line[128] = {};
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr);
  std::fclose(out);
  EXPECT_STREQ(line, "Traces {\"resource spans\": 2, \"spans\": 5}\n");
}

TEST(BearerTokenAuth, ChecksSchemeAndToken) {
  BearerTokenAuth auth({"Bearer", "tok", "Authorization"});
  EXPECT_TRUE(auth.authenticate("Bearer tok"));
  EXPECT_FALSE(auth.authenticate("Bearer tok2"));
  EXPECT_FALSE(auth.authenticate("Bearer to"));
  EXPECT_FALSE(auth.authenticate("bearer tok"));
  EXPECT_FALSE(auth.authenticate(std::nullopt));
  BearerTokenAuth bare({"", "tok", "X-Token"});
  EXPECT_TRUE(bare.authenticate("tok"));
  EXPECT_EQ(bare.client_header().first, "X-Token");
}

}  // namespace
}  // namespace spanline::collector
