// OTLP exporter tests against fake collectors (HTTP/protobuf, HTTP/JSON,
// gRPC): delivery, gzip, headers, retry and throttling, deadlines, shutdown,
// partial success. Options and wire helpers are in
// otlp_exporter_options_test.cpp. Timing assertions are only orderings, lower bounds that the
// code guarantees, and "returned well before a far deadline".
#include "spanline/telemetry/exporters/otlp_exporter.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json.hpp>

#include <future>
#include <thread>

#include "exporters/otlp_fake_collectors.h"
#include "otlp_test_util.h"
#include "spanline/telemetry/exporters/otlp_sender.h"
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

// Spans encoded one by one by the exporter's own encoder, as the batch
// processor hands them over.
struct EncodedBatch {
  explicit EncodedBatch(const SpanExporter& exporter,
                        const std::vector<std::unique_ptr<SpanData>>& spans) {
    const SpanEncoder* encoder = exporter.span_encoder();
    EXPECT_NE(encoder, nullptr);
    if (encoder == nullptr) return;
    for (const auto& span : spans) {
      const std::size_t before = bytes.size();
      encoder->encode(*span, bytes);
      items.push_back(
          {span->resource, span->scope, static_cast<std::uint32_t>(bytes.size() - before)});
    }
  }
  std::string bytes;
  std::vector<EncodedSpan> items;
};

TEST(OtlpExporterHttp, EncodedSpansArriveIntact) {
  FakeHttpCollector server;
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  const auto spans = make_spans(3);
  const EncodedBatch batch(*exporter, spans);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_encoded(batch.bytes, batch.items, Clock::now() + 10s),
            ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  auto got = otlp_test::spans_from_proto_bytes(requests[0].body);
  ASSERT_TRUE(got);
  expect_same_spans(spans, *got);
  EXPECT_EQ(counters.exported(), 3u);
  // Sizes that do not add up fail the batch without sending it.
  auto bad = batch.items;
  bad[0].size += 1;
  EXPECT_EQ(exporter->export_encoded(batch.bytes, bad, Clock::now() + 10s), ExportResult::kFailure);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(counters.failed(), 3u);
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
  server.script(std::vector<HttpReply>(20, HttpReply{.delay = 30s}));
  auto options = test_options(OtlpProtocol::kHttpProtobuf, server.url());
  options.timeout = 300ms;
  auto exporter = make_otlp_exporter(options);
  CounterDelta counters;
  const auto deadline = Clock::now() + 2s;
  EXPECT_EQ(exporter->export_spans(make_spans(1), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline + 1s);  // the slack absorbs scheduling only
  EXPECT_GE(server.requests().size(), 1u);
  EXPECT_EQ(counters.failed(), 1u);

  // A deadline shorter than the timeout cuts the attempt short.
  options.timeout = 100s;
  const auto near = Clock::now() + 500ms;
  EXPECT_EQ(make_otlp_exporter(options)->export_spans(make_spans(1), near), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), near + 1s);
}

// Runs an export with a far deadline on another thread, calls shutdown()
// once `started` says the exporter is busy, and checks that the export
// returned long before its deadline would have ended it.
void expect_shutdown_interrupts(SpanExporter& exporter, const std::function<bool()>& started) {
  const auto spans = make_spans(1);
  const auto begin = Clock::now();
  auto result =
      std::async(std::launch::async, [&] { return exporter.export_spans(spans, begin + 120s); });
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
// OTLP/HTTP with overlapped answers: export_spans returns once the request is
// written; the answer is read when the next batch goes or at force_flush.

OtlpExporterOptions overlapped(OtlpExporterOptions o) {
  o.overlap_answers = true;
  return o;
}

// An overlapped exporter whose first request `server` answers only after a
// minute, with a 100 s attempt timeout: that answer stays unread.
std::unique_ptr<SpanExporter> exporter_left_waiting(FakeHttpCollector& server) {
  server.script({HttpReply{.delay = 60s}});
  auto options = overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  options.timeout = 100s;
  return make_otlp_exporter(options);
}

std::size_t span_count(const otlp_test::HttpRequestRecord& r) {
  auto spans = otlp_test::spans_from_proto_bytes(r.body);
  EXPECT_TRUE(spans) << "request body does not decode";
  return spans ? spans->size() : 0;
}

TEST(OtlpExporterHttpOverlapped, BatchIsWrittenAtOnceAndCountedWhenItsAnswerIsRead) {
  FakeHttpCollector server;
  auto exporter =
      make_otlp_exporter(overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url())));
  const auto spans = make_spans(3);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(spans, Clock::now() + 10s), ExportResult::kSuccess);
  ASSERT_TRUE(server.wait_for_requests(1));
  auto got = otlp_test::spans_from_proto_bytes(server.requests()[0].body);
  ASSERT_TRUE(got);
  expect_same_spans(spans, *got);
  // The answer is in the socket, unread: nothing is counted yet.
  EXPECT_EQ(counters.exported(), 0u);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));  // nothing left to settle
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpExporterHttpOverlapped, NextBatchSettlesThePreviousOneFirst) {
  FakeHttpCollector server;
  auto exporter =
      make_otlp_exporter(overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url())));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(2), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(exporter->export_spans(make_spans(3), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(counters.exported(), 2u);  // the first batch's answer, read before the second went
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  EXPECT_EQ(counters.exported(), 5u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].connection, requests[1].connection);  // one kept-alive connection
  EXPECT_EQ(span_count(requests[0]), 2u);
  EXPECT_EQ(span_count(requests[1]), 3u);
}

TEST(OtlpExporterHttpOverlapped, RetryableAnswerIsRetriedBeforeTheNextBatchGoes) {
  FakeHttpCollector server;
  server.script({HttpReply{.status = 503}, HttpReply{}, HttpReply{}});
  auto exporter =
      make_otlp_exporter(overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url())));
  CounterDelta counters;
  const auto first = make_spans(2);
  EXPECT_EQ(exporter->export_spans(first, Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(exporter->export_spans(make_spans(3), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[1].body);  // the first batch, sent again
  EXPECT_EQ(span_count(requests[2]), 3u);
  EXPECT_EQ(counters.retries(), 1u);
  EXPECT_EQ(counters.exported(), 5u);
  EXPECT_EQ(counters.failed(), 0u);
}

TEST(OtlpExporterHttpOverlapped, RejectedBatchIsCountedAsFailedWhenSettled) {
  FakeHttpCollector server;
  server.script({HttpReply{.status = 400}});
  auto exporter =
      make_otlp_exporter(overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url())));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(4), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  EXPECT_EQ(counters.failed(), 4u);
  EXPECT_EQ(counters.exported(), 0u);
  EXPECT_EQ(counters.retries(), 0u);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpExporterHttpOverlapped, ConnectionClosedInsteadOfAnAnswerGetsOneFreshAttempt) {
  FakeHttpCollector server;
  // The second request, on the kept-alive connection, is read and never
  // answered: what a server closing an idle connection looks like.
  server.script({HttpReply{}, HttpReply{.close_instead = true}, HttpReply{}});
  auto exporter =
      make_otlp_exporter(overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url())));
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(exporter->export_spans(make_spans(2), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].connection, requests[1].connection);
  EXPECT_NE(requests[1].connection, requests[2].connection);
  EXPECT_EQ(requests[1].body, requests[2].body);
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(counters.retries(), 0u);  // a reconnect is not a retry
}

TEST(OtlpExporterHttpOverlapped, JsonAndGzipBatchesAreOverlappedToo) {
  FakeHttpCollector server;
  auto options = overlapped(test_options(OtlpProtocol::kHttpJson, server.url()));
  options.gzip = true;
  server.script({HttpReply{.status = 503}, HttpReply{}});
  auto exporter = make_otlp_exporter(options);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(2), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);  // the compressed bytes, resent as they were
  EXPECT_EQ(requests[1].headers.at("content-encoding"), "gzip");
  EXPECT_EQ(requests[1].headers.at("content-type"), "application/json");
  auto parsed = boost::json::parse(gunzip(requests[1].body));
  EXPECT_EQ(parsed.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size(),
            2u);
  EXPECT_EQ(counters.exported(), 2u);
}

TEST(OtlpExporterHttpOverlapped, SlowAnswerFailsTheBatchByItsAttemptDeadline) {
  FakeHttpCollector server;
  server.script({HttpReply{.delay = 60s}});
  auto options = overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  options.timeout = 200ms;
  options.retry.enabled = false;
  auto exporter = make_otlp_exporter(options);
  CounterDelta counters;
  const auto deadline = Clock::now() + 30s;
  EXPECT_EQ(exporter->export_spans(make_spans(2), deadline), ExportResult::kSuccess);
  EXPECT_TRUE(exporter->force_flush(deadline));
  EXPECT_LT(Clock::now(), deadline);
  EXPECT_EQ(counters.failed(), 2u);
  EXPECT_EQ(counters.exported(), 0u);
}

// The attempt's timeout bounds the wait for an answer, not how late it is
// read: one that arrived while nobody was reading counts.
TEST(OtlpExporterHttpOverlapped, AnswerThatArrivedIsReadAfterItsAttemptDeadline) {
  FakeHttpCollector server;
  auto options = overlapped(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  options.timeout = 50ms;
  auto exporter = make_otlp_exporter(options);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(3), Clock::now() + 10s), ExportResult::kSuccess);
  ASSERT_TRUE(server.wait_for_requests(1));
  std::this_thread::sleep_for(500ms);  // the answer arrives; the 50 ms pass
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 10s));
  EXPECT_EQ(counters.exported(), 3u);
  EXPECT_EQ(counters.retries(), 0u);
  EXPECT_EQ(server.requests().size(), 1u);  // not sent again
}

TEST(OtlpExporterHttpOverlapped, FlushGivesUpOnAnUnansweredBatchByItsOwnDeadline) {
  FakeHttpCollector server;
  auto exporter = exporter_left_waiting(server);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_spans(make_spans(3), Clock::now() + 100s), ExportResult::kSuccess);
  ASSERT_TRUE(server.wait_for_requests(1));
  const auto far = Clock::now() + 50s;
  EXPECT_TRUE(exporter->force_flush(Clock::now() + 200ms));
  EXPECT_LT(Clock::now(), far);
  EXPECT_EQ(counters.failed(), 3u);
  EXPECT_EQ(counters.exported(), 0u);
}

// OtlpSender misused: a send() while a start()ed request's answer is unread
// must not take that answer for its own.
TEST(OtlpSenderHttp, SendWhileAnAnswerIsUnreadGetsItsOwnAnswer) {
  FakeHttpCollector server;
  server.script({HttpReply{.status = 400}, HttpReply{}});
  auto sender = OtlpSender::make(test_options(OtlpProtocol::kHttpProtobuf, server.url()));
  const std::string first = "first", second = "second";
  ASSERT_TRUE(sender->start(first, Clock::now() + 10s));
  ASSERT_TRUE(server.wait_for_requests(1));
  std::this_thread::sleep_for(100ms);  // the 400 is in the socket (the test holds either way)
  const OtlpSendOutcome out = sender->send(second, Clock::now() + 10s);
  EXPECT_EQ(out.status, OtlpSendOutcome::Status::kOk) << out.error;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, "second");
  EXPECT_NE(requests[0].connection, requests[1].connection);
}

TEST(OtlpExporterHttpOverlapped, ShutdownWithAnAnswerUnreadEndsWithoutWaitingForIt) {
  FakeHttpCollector server;
  auto exporter = exporter_left_waiting(server);
  CounterDelta counters;
  const auto far = Clock::now() + 50s;
  EXPECT_EQ(exporter->export_spans(make_spans(3), Clock::now() + 100s), ExportResult::kSuccess);
  ASSERT_TRUE(server.wait_for_requests(1));
  exporter->shutdown();
  exporter.reset();  // settles the batch without I/O
  EXPECT_LT(Clock::now(), far);
  EXPECT_EQ(counters.failed(), 3u);
  EXPECT_EQ(counters.exported(), 0u);
}

TEST(OtlpExporterHttpOverlapped, ShutdownInterruptsASettleWaitingForAnAnswer) {
  FakeHttpCollector server;
  auto exporter = exporter_left_waiting(server);
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 100s), ExportResult::kSuccess);
  ASSERT_TRUE(server.wait_for_requests(1));
  const auto far = Clock::now() + 50s;
  auto flushing =
      std::async(std::launch::async, [&] { return exporter->force_flush(Clock::now() + 100s); });
  std::this_thread::sleep_for(50ms);  // let it block on the answer (the test holds either way)
  exporter->shutdown();
  EXPECT_TRUE(flushing.get());
  EXPECT_LT(Clock::now(), far);
  // SpanExporter spec, "Shutdown": later exports fail, without I/O.
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kFailure);
  EXPECT_EQ(server.requests().size(), 1u);
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

TEST(OtlpExporterGrpc, EncodedSpansArriveIntact) {
  FakeGrpcCollector server;
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  const auto spans = make_spans(3);
  const EncodedBatch batch(*exporter, spans);
  CounterDelta counters;
  EXPECT_EQ(exporter->export_encoded(batch.bytes, batch.items, Clock::now() + 10s),
            ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  expect_same_spans(spans, otlp_test::spans_from_proto(requests[0].request));
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

  FakeGrpcCollector refuses_gzip(/*accept_gzip=*/false);
  options.endpoint = refuses_gzip.endpoint();
  EXPECT_EQ(make_otlp_exporter(options)->export_spans(spans, Clock::now() + 10s),
            ExportResult::kFailure);
  options.gzip = false;
  EXPECT_EQ(make_otlp_exporter(options)->export_spans(spans, Clock::now() + 10s),
            ExportResult::kSuccess);
}

TEST(OtlpExporterGrpc, UnavailableWithRetryInfoWaitsTheGivenDelay) {
  FakeGrpcCollector server;
  server.script(
      {GrpcReply{.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy",
                                        otlp_test::status_with_retry_info(14, "busy", 1, 0))}});
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
    server.script(
        {GrpcReply{.status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full")}});
    auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
    EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kFailure);
    EXPECT_EQ(server.requests().size(), 1u);
  }
  FakeGrpcCollector server;
  server.script({GrpcReply{
      .status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full",
                             otlp_test::status_with_retry_info(8, "full", 0, 20'000'000))}});
  auto exporter = make_otlp_exporter(test_options(OtlpProtocol::kGrpc, server.endpoint()));
  EXPECT_EQ(exporter->export_spans(make_spans(1), Clock::now() + 10s), ExportResult::kSuccess);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(OtlpExporterGrpc, RetryableAndPermanentCodes) {
  using grpc::StatusCode;
  for (auto code :
       {StatusCode::CANCELLED, StatusCode::DEADLINE_EXCEEDED, StatusCode::ABORTED,
        StatusCode::OUT_OF_RANGE, StatusCode::UNAVAILABLE, StatusCode::DATA_LOSS,
        StatusCode::INVALID_ARGUMENT, StatusCode::UNAUTHENTICATED, StatusCode::PERMISSION_DENIED,
        StatusCode::INTERNAL, StatusCode::UNIMPLEMENTED}) {
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
  server.script(std::vector<GrpcReply>(20, GrpcReply{.delay = 30s}));
  auto options = test_options(OtlpProtocol::kGrpc, server.endpoint());
  options.timeout = 300ms;
  auto exporter = make_otlp_exporter(options);
  const auto deadline = Clock::now() + 2s;
  EXPECT_EQ(exporter->export_spans(make_spans(1), deadline), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), deadline + 1s);  // the slack absorbs scheduling only
  EXPECT_GE(server.requests().size(), 1u);

  options.timeout = 100s;
  const auto near = Clock::now() + 500ms;
  EXPECT_EQ(make_otlp_exporter(options)->export_spans(make_spans(1), near), ExportResult::kFailure);
  EXPECT_LT(Clock::now(), near + 1s);
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
  server.script(
      {GrpcReply{.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "later",
                                        otlp_test::status_with_retry_info(14, "later", 60, 0))}});
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

}  // namespace
}  // namespace spanline::telemetry
