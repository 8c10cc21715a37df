// OTLP exporter transport tests against fake collectors (HTTP/protobuf,
// HTTP/JSON, gRPC): delivery, gzip, headers, retry and throttling, deadlines,
// shutdown, partial success; plus options from the environment and
// validation. Timing assertions are only orderings, lower bounds that the
// code guarantees, and "returned well before a far deadline".
#include "spanline/telemetry/exporters/otlp_exporter.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <future>

#include "exporters/otlp_fake_collectors.h"
#include "exporters/otlp_transport.h"
#include "otlp_test_util.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

using namespace std::chrono_literals;
using otlp_test::FakeGrpcCollector;
using otlp_test::FakeHttpCollector;
using otlp_test::GrpcReply;
using otlp_test::HttpReply;

std::vector<std::unique_ptr<SpanData>> make_spans(int n) {
  auto resource = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", attr("transport-test")}});
  auto scope = std::make_shared<const InstrumentationScope>(InstrumentationScope{"test", "1.0"});
  std::vector<std::unique_ptr<SpanData>> spans;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<SpanData>();
    s->trace_id = RandomIdGenerator::instance().new_trace_id();
    s->span_id = RandomIdGenerator::instance().new_span_id();
    s->trace_flags = 1;
    s->name = "span-" + std::to_string(i);
    s->kind = SpanKind::kServer;
    s->start_unix_nano = 1'700'000'000'000'000'000ULL + i;
    s->end_unix_nano = s->start_unix_nano + 1000;
    s->attributes = {{"index", attr(i)}};
    s->resource = resource;
    s->scope = scope;
    spans.push_back(std::move(s));
  }
  return spans;
}

// Options for a fast test: small backoff, so only Retry-After/RetryInfo
// can make a retry wait long.
OtlpExporterOptions test_options(OtlpProtocol protocol, std::string endpoint) {
  OtlpExporterOptions o;
  o.protocol = protocol;
  o.endpoint = std::move(endpoint);
  o.timeout = 5s;
  o.retry.initial_backoff = 10ms;
  o.retry.max_backoff = 50ms;
  return o;
}

std::string gunzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(64 * 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

void expect_same_spans(const std::vector<std::unique_ptr<SpanData>>& want,
                       const std::vector<std::unique_ptr<SpanData>>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(otlp_test::span_diff(*want[i], *got[i]), "") << "span " << i;
}

struct CounterDelta {
  SdkCountersSnapshot before = SdkCounters::instance().snapshot();
  std::uint64_t exported() const { return now().spans_exported - before.spans_exported; }
  std::uint64_t failed() const { return now().spans_export_failed - before.spans_export_failed; }
  std::uint64_t retries() const { return now().export_retries - before.export_retries; }
  static SdkCountersSnapshot now() { return SdkCounters::instance().snapshot(); }
};

// ---------------------------------------------------------------------------
// OTLP/HTTP

TEST(OtlpExporterHttp, ProtobufBatchArrivesIntact) {
  FakeHttpCollector server;
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  const auto spans = make_spans(3);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/traces");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/x-protobuf");
  EXPECT_EQ(requests[0].headers.at("user-agent"), "spanline-otlp-exporter/0.1");
  EXPECT_EQ(requests[0].headers.count("content-encoding"), 0u);
  auto got = otlp_test::spans_from_proto_bytes(requests[0].body);
  ASSERT_TRUE(got);
  expect_same_spans(spans, *got);
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(counters.failed(), 0u);
}

TEST(OtlpExporterHttp, JsonBatchArrivesIntact) {
  FakeHttpCollector server;
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpJson, server.url()));
  const auto spans = make_spans(2);
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  const auto doc = boost::json::parse(requests[0].body);
  const auto& wire = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array();
  ASSERT_EQ(wire.size(), 2u);
  for (std::size_t i = 0; i < wire.size(); ++i) {
    EXPECT_EQ(wire[i].at("name").as_string(), spans[i]->name);
    EXPECT_EQ(wire[i].at("traceId").as_string(), spans[i]->trace_id.to_hex());
    EXPECT_EQ(wire[i].at("spanId").as_string(), spans[i]->span_id.to_hex());
  }
}

TEST(OtlpExporterHttp, GzipBodyDecompressesToTheBatch) {
  FakeHttpCollector server;
  auto options = test_options(OtlpProtocol::kHttpProtobuf, server.url());
  options.gzip = true;
  auto exporter = make_otlp_exporter(options);
  const auto spans = make_spans(20);
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("content-encoding"), "gzip");
  auto got = otlp_test::spans_from_proto_bytes(gunzip(requests[0].body));
  ASSERT_TRUE(got);
  expect_same_spans(spans, *got);
}

TEST(OtlpExporterHttp, CustomHeadersArrive) {
  FakeHttpCollector server;
  auto options = test_options(OtlpProtocol::kHttpProtobuf, server.url());
  options.headers = {{"Authorization", "Bearer s3cret"}, {"X-Tenant", "a b"}};
  auto exporter = make_otlp_exporter(options);
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(requests[0].headers.at("x-tenant"), "a b");
}

TEST(OtlpExporterHttp, ReusesTheConnectionAndRecoversWhenTheServerDropsIt) {
  FakeHttpCollector server;
  // The second reply closes the connection behind the client's back.
  server.script({HttpReply{}, HttpReply{.close_after = true}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  CounterDelta counters;
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].connection, requests[1].connection);
  EXPECT_NE(requests[1].connection, requests[2].connection);
  EXPECT_EQ(counters.retries(), 0u);  // a reconnect is not a retry
}

TEST(OtlpExporterHttp, EndpointDownFailsByTheDeadlineAndCountsTheSpans) {
  std::string url;
  {
    FakeHttpCollector gone;  // a port that was just free again
    url = gone.url();
  }
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, url));
  CounterDelta counters;
  const auto deadline = Clock::now() + 10s;
  EXPECT_EQ(exporter->export_spans(make_spans(4), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline);
  EXPECT_EQ(counters.failed(), 4u);
  EXPECT_EQ(counters.exported(), 0u);
  EXPECT_EQ(counters.retries(), 4u);  // max_attempts 5
}

TEST(OtlpExporterHttp, RetryAfterIsHonouredThenTheBatchLands) {
  FakeHttpCollector server;
  server.script({HttpReply{.status = 503, .headers = {{"Retry-After", "1"}}}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  CounterDelta counters;
  const auto deadline = Clock::now() + 20s;
  EXPECT_EQ(exporter->export_spans(make_spans(2), deadline), ExportResult::kSuccess);
  EXPECT_LT(Clock::now(), deadline);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  // The backoff alone would be 10 ms; Retry-After asked for a second.
  EXPECT_GE(requests[1].at - requests[0].at, 1s);
  EXPECT_EQ(counters.retries(), 1u);
  EXPECT_EQ(counters.exported(), 2u);
}

TEST(OtlpExporterHttp, OnlyThrottlingAndGatewayStatusesAreRetried) {
  for (unsigned status : {400u, 401u, 404u, 413u, 500u, 501u, 429u, 502u, 503u, 504u}) {
    SCOPED_TRACE(status);
    FakeHttpCollector server;
    server.script({HttpReply{.status = status}});
    auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
    const bool retryable = status == 429 || status >= 502;
    CounterDelta counters;
    EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s),
              retryable ? ExportResult::kSuccess : ExportResult::kFailure);
    EXPECT_EQ(server.requests().size(), retryable ? 2u : 1u);
    EXPECT_EQ(counters.failed(), retryable ? 0u : 1u);
    EXPECT_EQ(counters.retries(), retryable ? 1u : 0u);
  }
}

TEST(OtlpExporterHttp, SlowEndpointFailsByTheDeadline) {
  FakeHttpCollector server;
  server.script({HttpReply{.delay = 30s}, HttpReply{.delay = 30s}, HttpReply{.delay = 30s}});
  auto options = test_options(OtlpProtocol::kHttpProtobuf, server.url());
  options.timeout = 300ms;
  auto exporter = make_otlp_exporter(options);
  CounterDelta counters;
  const auto deadline = Clock::now() + 2s;
  EXPECT_EQ(exporter->export_spans(make_spans(1), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline + 1s);  // the slack absorbs scheduling only
  EXPECT_GE(server.requests().size(), 1u);
  EXPECT_EQ(counters.failed(), 1u);
}

// Runs an export with a far deadline on another thread, calls shutdown()
// once `started` says the exporter is busy, and checks that the export
// returned long before its deadline would have ended it.
void expect_shutdown_interrupts(SpanExporter& exporter, const std::function<bool()>& started) {
  const auto spans = make_spans(1);
  const auto begin = Clock::now();
  auto result = std::async(std::launch::async,
                           [&] { return exporter.export_spans(spans, begin + 120s); });
  ASSERT_TRUE(started());
  exporter.shutdown();
  ASSERT_EQ(result.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(result.get(), ExportResult::kFailure);
  EXPECT_LT(Clock::now() - begin, 30s);
  exporter.shutdown();  // idempotent
  EXPECT_EQ(exporter.export_spans(spans, Clock::now() + 10s), ExportResult::kFailure);
}

TEST(OtlpExporterHttp, ShutdownAbortsASlowRequest) {
  FakeHttpCollector server;
  server.script({HttpReply{.delay = 60s}});
  auto options = test_options(OtlpProtocol::kHttpProtobuf, server.url());
  options.timeout = 100s;
  auto exporter = make_otlp_exporter(options);
  expect_shutdown_interrupts(*exporter, [&] { return server.wait_for_requests(1); });
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpExporterHttp, ShutdownEndsTheBackoffSleep) {
  FakeHttpCollector server;
  server.script({HttpReply{.status = 429, .headers = {{"Retry-After", "60"}}}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  expect_shutdown_interrupts(*exporter, [&] { return server.wait_for_requests(1); });
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpExporterHttp, PartialSuccessCountsRejectedSpansAsFailed) {
  FakeHttpCollector server;
  otlp_test::pb_collector::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(2);
  response.mutable_partial_success()->set_error_message("2 spans too old");
  server.script({HttpReply{.headers = {{"Content-Type", "application/x-protobuf"}},
                           .body = response.SerializeAsString()},
                 HttpReply{.headers = {{"Content-Type", "application/json"}},
                           .body = R"({"partialSuccess":{"rejectedSpans":"1"}})"}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(5), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(counters.failed(), 2u);
  EXPECT_EQ(exporter->export_spans(make_spans(5), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(counters.exported(), 7u);
  EXPECT_EQ(counters.failed(), 3u);
  EXPECT_EQ(counters.retries(), 0u);  // partial success is never retried
}

// ---------------------------------------------------------------------------
// OTLP/gRPC

std::string metadata(const otlp_test::GrpcRequestRecord& rec, const std::string& key) {
  auto it = rec.metadata.find(key);
  return it == rec.metadata.end() ? "<missing>" : it->second;
}

TEST(OtlpExporterGrpc, BatchArrivesWithHeadersAsMetadata) {
  FakeGrpcCollector server;
  auto options = test_options(OtlpProtocol::kGrpc, server.endpoint());
  options.headers = {{"Authorization", "Bearer s3cret"}, {"X-Tenant", "t1"}};
  auto exporter = make_otlp_exporter(options);
  const auto spans = make_spans(3);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  expect_same_spans(spans, otlp_test::spans_from_proto(requests[0].request));
  EXPECT_EQ(metadata(requests[0], "authorization"), "Bearer s3cret");
  EXPECT_EQ(metadata(requests[0], "x-tenant"), "t1");
  EXPECT_TRUE(metadata(requests[0], "user-agent").starts_with("spanline-otlp-exporter/0.1"));
  EXPECT_EQ(counters.exported(), 3u);
}

TEST(OtlpExporterGrpc, GzipCompressedCallArrives) {
  FakeGrpcCollector server;
  auto options = test_options(OtlpProtocol::kGrpc, server.endpoint());
  options.gzip = true;
  auto exporter = make_otlp_exporter(options);
  const auto spans = make_spans(20);
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  expect_same_spans(spans, otlp_test::spans_from_proto(requests[0].request));
  EXPECT_EQ(metadata(requests[0], "grpc-encoding"), "gzip");
}

TEST(OtlpExporterGrpc, UnavailableWithRetryInfoWaitsTheGivenDelay) {
  FakeGrpcCollector server;
  server.script({GrpcReply{.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy",
                                                  otlp_test::status_with_retry_info(
                                                      14, "busy", 1, 0))}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(2), Clock::now() + 20s), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at - requests[0].at, 1s);
  EXPECT_EQ(counters.retries(), 1u);
  EXPECT_EQ(counters.exported(), 2u);
}

TEST(OtlpExporterGrpc, ResourceExhaustedIsRetriedOnlyWithRetryInfo) {
  {
    FakeGrpcCollector server;
    server.script({GrpcReply{.status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full")}});
    auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
    EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kFailure);
    EXPECT_EQ(server.requests().size(), 1u);
  }
  FakeGrpcCollector server;
  server.script({GrpcReply{.status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full",
                                                  otlp_test::status_with_retry_info(
                                                      8, "full", 0, 20'000'000))}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(OtlpExporterGrpc, RetryableAndPermanentCodes) {
  using grpc::StatusCode;
  for (auto code : {StatusCode::CANCELLED, StatusCode::DEADLINE_EXCEEDED, StatusCode::ABORTED,
                    StatusCode::OUT_OF_RANGE, StatusCode::UNAVAILABLE, StatusCode::DATA_LOSS,
                    StatusCode::INVALID_ARGUMENT, StatusCode::UNAUTHENTICATED,
                    StatusCode::PERMISSION_DENIED, StatusCode::INTERNAL,
                    StatusCode::UNIMPLEMENTED}) {
    SCOPED_TRACE(static_cast<int>(code));
    FakeGrpcCollector server;
    server.script({GrpcReply{.status = grpc::Status(code, "scripted")}});
    auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
    const bool retryable = code == StatusCode::CANCELLED || code == StatusCode::DEADLINE_EXCEEDED ||
                           code == StatusCode::ABORTED || code == StatusCode::OUT_OF_RANGE ||
                           code == StatusCode::UNAVAILABLE || code == StatusCode::DATA_LOSS;
    EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s),
              retryable ? ExportResult::kSuccess : ExportResult::kFailure);
    EXPECT_EQ(server.requests().size(), retryable ? 2u : 1u);
  }
}

TEST(OtlpExporterGrpc, EndpointDownFailsByTheDeadline) {
  std::string endpoint;
  {
    FakeHttpCollector gone;
    endpoint = gone.url("");
  }
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, endpoint));
  CounterDelta counters;
  const auto deadline = Clock::now() + 10s;
  EXPECT_EQ(exporter->export_spans(make_spans(2), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline);
  EXPECT_EQ(counters.failed(), 2u);
}

TEST(OtlpExporterGrpc, SlowEndpointFailsByTheDeadline) {
  FakeGrpcCollector server;
  server.script({GrpcReply{.delay = 30s}, GrpcReply{.delay = 30s}, GrpcReply{.delay = 30s}});
  auto options = test_options(OtlpProtocol::kGrpc, server.endpoint());
  options.timeout = 300ms;
  auto exporter = make_otlp_exporter(options);
  const auto deadline = Clock::now() + 2s;
  EXPECT_EQ(exporter->export_spans(make_spans(1), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline + 1s);  // the slack absorbs scheduling only
  EXPECT_GE(server.requests().size(), 1u);
}

TEST(OtlpExporterGrpc, ShutdownAbortsASlowCall) {
  FakeGrpcCollector server;
  server.script({GrpcReply{.delay = 60s}});
  auto options = test_options(OtlpProtocol::kGrpc, server.endpoint());
  options.timeout = 100s;
  auto exporter = make_otlp_exporter(options);
  expect_shutdown_interrupts(*exporter, [&] { return server.wait_for_requests(1); });
}

TEST(OtlpExporterGrpc, ShutdownEndsTheRetryInfoSleep) {
  FakeGrpcCollector server;
  server.script({GrpcReply{.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "later",
                                                  otlp_test::status_with_retry_info(
                                                      14, "later", 60, 0))}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  expect_shutdown_interrupts(*exporter, [&] { return server.wait_for_requests(1); });
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpExporterGrpc, PartialSuccessCountsRejectedSpansAsFailed) {
  FakeGrpcCollector server;
  server.script({GrpcReply{.rejected_spans = 1, .error_message = "one bad span"}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(4), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(counters.failed(), 1u);
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
  auto valid = test_options(OtlpProtocol::kHttpProtobuf, "http://localhost:4318/v1/traces");
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
  expect_error(
      [](auto& o) {
        o.protocol = OtlpProtocol::kGrpc;
        o.headers = {{"grpc-timeout", "1"}};
      },
      "grpc-");
  auto grpc = test_options(OtlpProtocol::kGrpc, "https://collector:4317");
  EXPECT_EQ(grpc.validate(), "");
  grpc.endpoint = "collector:4317";
  EXPECT_EQ(grpc.validate(), "");
}

}  // namespace
}  // namespace spanline::telemetry
