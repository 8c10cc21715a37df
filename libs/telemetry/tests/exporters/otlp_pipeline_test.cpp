// The whole SDK pipeline against faulty collectors: tracer → batch span
// processor → OTLP/HTTP exporter. The caller ending spans is never held up
// by the network; what cannot be delivered is dropped and counted; shutdown
// returns by its deadline. Timing checks are "finished", never "how fast".
#include <gtest/gtest.h>

#include <thread>

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
                                              BatchSpanProcessorOptions bsp) {
  OtlpExporterOptions xo;
  xo.endpoint = endpoint;
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

TEST(OtlpPipeline, SlowCollectorDropsAndCountsWithoutHoldingCallers) {
  FakeHttpCollector server;
  server.script(std::vector<HttpReply>(50, HttpReply{.delay = 10s}));
  auto provider = make_provider(server.url(), {.schedule_delay = 10ms,
                                               .max_queue_size = 256,
                                               .max_export_batch_size = 64,
                                               .export_timeout = 300ms});
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

TEST(OtlpPipeline, CollectorDownThenBackDeliversLaterSpans) {
  FakeHttpCollector server;
  // Unavailable for the first batch's five attempts (the retry limit), then
  // healthy.
  server.script(
      std::vector<HttpReply>(5, HttpReply{.status = 503, .headers = {{"Retry-After", "0"}}}));
  auto provider = make_provider(server.url(), {.schedule_delay = 10ms,
                                               .max_queue_size = 2048,
                                               .max_export_batch_size = 512,
                                               .export_timeout = 300ms});
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

TEST(OtlpPipeline, UnreachableEndpointFailsBatchesAndShutsDownByTheDeadline) {
  auto provider = make_provider("http://127.0.0.1:1/v1/traces", {.schedule_delay = 10ms,
                                                                 .max_queue_size = 512,
                                                                 .max_export_batch_size = 128,
                                                                 .export_timeout = 200ms});
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

}  // namespace
}  // namespace spanline::telemetry
