// The whole SDK pipeline against faulty collectors: tracer → batch span
// processor → OTLP/HTTP exporter. The caller ending spans is never held up
// by the network; what cannot be delivered is dropped and counted; shutdown
// returns by its deadline. Timing checks are "finished", never "how fast".
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <tuple>

#include "exporters/otlp_fake_collectors.h"
#include "otlp_test_util.h"
#include "spanline/telemetry/exporters/otlp_exporter.h"
#include "spanline/telemetry/sdk/batch_span_processor.h"
#include "spanline/telemetry/sdk/counters.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry {
namespace {

using namespace std::chrono_literals;
using otlp_test::FakeHttpCollector;
using otlp_test::HttpReply;

std::unique_ptr<TracerProvider> make_provider(const std::string& endpoint,
                                              BatchSpanProcessorOptions bsp, bool overlap) {
  OtlpExporterOptions xo;
  xo.endpoint = endpoint;
  xo.overlap_answers = overlap;
  xo.timeout = 200ms;
  xo.retry.initial_backoff = 10ms;
  xo.retry.max_backoff = 50ms;
  TracerProviderOptions o;
  o.resource = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", std::string("pipeline-test")}});
  o.processors.push_back(std::make_unique<BatchSpanProcessor>(make_otlp_exporter(xo), bsp));
  return std::make_unique<TracerProvider>(std::move(o));
}

// Ends `per_thread` spans on each of `threads` threads; returns when all did.
void end_spans(TracerProvider& provider, int threads, int per_thread) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto& tracer = provider.get_tracer("pipeline");
      for (int i = 0; i < per_thread; ++i) {
        auto span = tracer.start_span("op");
        span.set_attribute("i", i);
      }
    });
  }
  for (auto& t : pool) t.join();
}

// The fault tests run with the exporter waiting for each answer and with
// answers read when the next batch goes (OtlpExporterOptions::overlap_answers).
class OtlpPipelineFaults : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(, OtlpPipelineFaults, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Overlapped" : "Waiting"; });

TEST_P(OtlpPipelineFaults, SlowCollectorDropsAndCountsWithoutHoldingCallers) {
  FakeHttpCollector server;
  server.script(std::vector<HttpReply>(50, HttpReply{.delay = 10s}));
  auto provider = make_provider(server.url(),
                                {.schedule_delay = 10ms,
                                 .max_queue_size = 256,
                                 .max_export_batch_size = 64,
                                 .export_timeout = 300ms},
                                GetParam());
  const auto before = SdkCounters::instance().snapshot();
  // 20,000 spans against a collector that answers nothing for 10 s: the
  // callers finish regardless, and most spans are dropped at the queue.
  end_spans(*provider, 4, 5000);
  const auto ended = SdkCounters::instance().snapshot();
  EXPECT_EQ(ended.spans_ended - before.spans_ended, 20000u);
  EXPECT_GE(ended.spans_dropped - before.spans_dropped, 20000u - 256u - 4 * 64u);

  const auto deadline = Clock::now() + 500ms;
  provider->shutdown(deadline);
  EXPECT_LT(Clock::now(), deadline + 1s);  // the slack absorbs scheduling only
  // Every ended span is accounted for once the exporter gave up.
  const auto after = SdkCounters::instance().snapshot();
  EXPECT_LE((after.spans_dropped - before.spans_dropped) +
                (after.spans_export_failed - before.spans_export_failed) +
                (after.spans_exported - before.spans_exported),
            20000u);
  EXPECT_EQ(after.spans_exported - before.spans_exported, 0u);
}

TEST_P(OtlpPipelineFaults, CollectorDownThenBackDeliversLaterSpans) {
  FakeHttpCollector server;
  // Unavailable for the first batch's five attempts (the retry limit), then
  // healthy.
  server.script(
      std::vector<HttpReply>(5, HttpReply{.status = 503, .headers = {{"Retry-After", "0"}}}));
  auto provider = make_provider(server.url(),
                                {.schedule_delay = 10ms,
                                 .max_queue_size = 2048,
                                 .max_export_batch_size = 512,
                                 .export_timeout = 300ms},
                                GetParam());
  const auto before = SdkCounters::instance().snapshot();
  end_spans(*provider, 1, 10);
  ASSERT_TRUE(server.wait_for_requests(5));
  end_spans(*provider, 1, 10);
  EXPECT_TRUE(provider->force_flush(Clock::now() + 10s));
  EXPECT_TRUE(provider->shutdown(Clock::now() + 10s));
  const auto after = SdkCounters::instance().snapshot();
  // The second round always arrives; the first may have been retried into
  // success or failed for good, and is counted either way.
  EXPECT_GE(after.spans_exported - before.spans_exported, 10u);
  EXPECT_EQ((after.spans_exported - before.spans_exported) +
                (after.spans_export_failed - before.spans_export_failed),
            20u);
  std::size_t delivered = 0;
  for (const auto& r : server.requests()) {
    // Requests answered 503 carried the same spans as a later retry.
    auto spans = otlp_test::spans_from_proto_bytes(r.body);
    ASSERT_TRUE(spans) << "request body is not an ExportTraceServiceRequest";
    delivered = std::max(delivered, spans->size());
  }
  EXPECT_GE(delivered, 10u);
}

TEST_P(OtlpPipelineFaults, UnreachableEndpointFailsBatchesAndShutsDownByTheDeadline) {
  auto provider = make_provider("http://127.0.0.1:1/v1/traces",
                                {.schedule_delay = 10ms,
                                 .max_queue_size = 512,
                                 .max_export_batch_size = 128,
                                 .export_timeout = 200ms},
                                GetParam());
  const auto before = SdkCounters::instance().snapshot();
  end_spans(*provider, 2, 1000);
  const auto deadline = Clock::now() + 1s;
  provider->shutdown(deadline);
  EXPECT_LT(Clock::now(), deadline + 1s);
  const auto after = SdkCounters::instance().snapshot();
  EXPECT_EQ(after.spans_exported - before.spans_exported, 0u);
  EXPECT_GT((after.spans_export_failed - before.spans_export_failed) +
                (after.spans_dropped - before.spans_dropped),
            0u);
}

// Protobuf exporters can take spans encoded where they end (encode_on_end);
// JSON ones always get SpanData batches.
TEST(OtlpPipeline, ProtobufExportersCanEncodeSpansWhereTheyEnd) {
  OtlpExporterOptions xo;
  xo.endpoint = "http://127.0.0.1:1/v1/traces";
  EXPECT_NE(make_otlp_exporter(xo)->span_encoder(), nullptr);
  xo.protocol = OtlpProtocol::kHttpJson;
  EXPECT_EQ(make_otlp_exporter(xo)->span_encoder(), nullptr);
  xo.protocol = OtlpProtocol::kGrpc;
  xo.endpoint = "127.0.0.1:1";
  EXPECT_NE(make_otlp_exporter(xo)->span_encoder(), nullptr);
}

// Spans ended on many threads at once, with packed attributes, encoded by
// the worker a batch at a time or (encode_on_end) where they end with the
// request assembled around their bytes, each batch's answer awaited or
// overlapped with the next batch: every span arrives once, whole, under its
// own scope.
class OtlpPipelinePaths : public ::testing::TestWithParam<std::tuple<bool, bool>> {};
INSTANTIATE_TEST_SUITE_P(, OtlpPipelinePaths,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "EncodeOnEnd" : "Worker") +
                                  (std::get<1>(info.param) ? "Overlapped" : "Waiting");
                         });

TEST_P(OtlpPipelinePaths, SpansFromManyThreadsArriveWholeOnce) {
  FakeHttpCollector server;
  OtlpExporterOptions xo;
  xo.endpoint = server.url();
  xo.overlap_answers = std::get<1>(GetParam());
  TracerProviderOptions o;
  o.resource = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", std::string("pipeline-test")}});
  o.processors.push_back(std::make_unique<BatchSpanProcessor>(
      make_otlp_exporter(xo), BatchSpanProcessorOptions{.schedule_delay = 10ms,
                                                        .max_queue_size = 8192,
                                                        .max_export_batch_size = 100,
                                                        .encode_on_end = std::get<0>(GetParam())}));
  TracerProvider provider(std::move(o));
  const auto before = SdkCounters::instance().snapshot();
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      auto& tracer = provider.get_tracer(t % 2 ? "odd" : "even", "1.0");
      for (int i = 0; i < kPerThread; ++i) {
        auto span = tracer.start_span("op " + std::to_string(t), {.kind = SpanKind::kServer});
        span.set_attribute("i", i);
        span.set_attribute("thread", t);
        span.set_attribute("text", std::string(static_cast<std::size_t>(i % 40), 'x'));
        if (i % 7 == 0) span.set_status(StatusCode::kError, "seven");
      }
    });
  }
  for (auto& t : pool) t.join();
  ASSERT_TRUE(provider.force_flush(Clock::now() + 10s));
  // The flush settled the last batch's answer too: every span is counted.
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before.spans_exported,
            static_cast<std::uint64_t>(kThreads * kPerThread));

  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  for (const auto& r : server.requests()) {
    auto spans = otlp_test::spans_from_proto_bytes(r.body);
    ASSERT_TRUE(spans) << "request body does not decode";
    for (const auto& s : *spans) {
      ASSERT_EQ(s->attributes.size(), 3u);
      const auto i = std::get<std::int64_t>(s->attributes[0].value);
      const auto t = std::get<std::int64_t>(s->attributes[1].value);
      EXPECT_TRUE(seen.emplace(t, i).second) << "span " << t << "/" << i << " twice";
      EXPECT_EQ(s->name, "op " + std::to_string(t));
      EXPECT_EQ(s->kind, SpanKind::kServer);
      EXPECT_EQ(std::get<std::string>(s->attributes[2].value),
                std::string(static_cast<std::size_t>(i % 40), 'x'));
      EXPECT_EQ(s->status.code, i % 7 == 0 ? StatusCode::kError : StatusCode::kUnset);
      EXPECT_EQ(s->scope->name, t % 2 ? "odd" : "even");
      EXPECT_EQ(s->scope->version, "1.0");
      ASSERT_EQ(s->resource->attributes().size(), 1u);
      EXPECT_EQ(std::get<std::string>(s->resource->attributes()[0].value), "pipeline-test");
      EXPECT_TRUE(s->trace_id.is_valid());
      EXPECT_GT(s->end_unix_nano, 0u);
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// With answers overlapped, the last batch's answer is read by the pass the
// schedule delay starts once traffic stops: its spans are counted without
// anyone flushing.
TEST(OtlpPipelineOverlapped, LastBatchIsSettledOnceTrafficStops) {
  FakeHttpCollector server;
  auto provider = make_provider(server.url(),
                                {.schedule_delay = 10ms,
                                 .max_queue_size = 2048,
                                 .max_export_batch_size = 512,
                                 .export_timeout = 10s},
                                true);
  const auto before = SdkCounters::instance().snapshot();
  end_spans(*provider, 1, 700);
  const auto give_up = Clock::now() + 20s;
  while (SdkCounters::instance().snapshot().spans_exported - before.spans_exported < 700 &&
         Clock::now() < give_up)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before.spans_exported, 700u);
  std::size_t delivered = 0;
  for (const auto& r : server.requests())
    delivered += otlp_test::spans_from_proto_bytes(r.body)->size();
  EXPECT_EQ(delivered, 700u);
}

}  // namespace
}  // namespace spanline::telemetry
