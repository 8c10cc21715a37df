#include "spanline/telemetry/sdk/batch_span_processor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "sdk/span_data_pool.h"
#include "spanline/telemetry/sdk/counters.h"
#include "spanline/telemetry/sdk/tracer.h"
#include "test_exporter.h"

namespace spanline::telemetry {
namespace {

using namespace std::chrono_literals;
using testing::RecordingExporter;

std::unique_ptr<SpanData> sampled_span(const std::string& name = "s") {
  auto d = std::make_unique<SpanData>();
  d->name = name;
  d->trace_flags = TraceFlags::kSampled;
  return d;
}

// Every behaviour holds on both paths: SpanData queued for the exporter, and
// spans encoded where they end (encode_on_end, an exporter with a span
// encoder).
class BatchSpanProcessorPaths : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(, BatchSpanProcessorPaths, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Encoded" : "SpanData"; });

struct Bsp {
  Bsp(bool encoding, BatchSpanProcessorOptions o) {
    o.encode_on_end = encoding;
    processor = std::make_unique<BatchSpanProcessor>(
        std::make_unique<RecordingExporter>(shared, encoding), o);
  }
  std::shared_ptr<RecordingExporter::Shared> shared = std::make_shared<RecordingExporter::Shared>();
  std::unique_ptr<BatchSpanProcessor> processor;
};

TEST_P(BatchSpanProcessorPaths, ExportsFullBatchWithoutWaitingForTimer) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 100, .max_export_batch_size = 10});
  for (int i = 0; i < 10; ++i) b.processor->on_end(sampled_span());
  ASSERT_TRUE(b.shared->wait_for(10, 10s));
  std::lock_guard lock(b.shared->mu);
  EXPECT_EQ(b.shared->batch_sizes.front(), 10u);
}

TEST_P(BatchSpanProcessorPaths, TimerExportsPartialBatch) {
  Bsp b(GetParam(), {.schedule_delay = 20ms, .max_queue_size = 100, .max_export_batch_size = 50});
  b.processor->on_end(sampled_span());
  EXPECT_TRUE(b.shared->wait_for(1, 10s));
}

TEST_P(BatchSpanProcessorPaths, BatchesNeverExceedMaxExportBatchSize) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 1000, .max_export_batch_size = 7});
  for (int i = 0; i < 100; ++i) b.processor->on_end(sampled_span());
  ASSERT_TRUE(b.processor->force_flush(Clock::now() + 10s));
  std::lock_guard lock(b.shared->mu);
  EXPECT_EQ(b.shared->spans.size(), 100u);
  for (auto n : b.shared->batch_sizes) EXPECT_LE(n, 7u);
}

TEST_P(BatchSpanProcessorPaths, UnsampledSpansAreNotExported) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 10, .max_export_batch_size = 5});
  auto d = sampled_span();
  d->trace_flags = 0;
  b.processor->on_end(std::move(d));
  ASSERT_TRUE(b.processor->force_flush(Clock::now() + 10s));
  EXPECT_EQ(b.shared->count(), 0u);
}

TEST_P(BatchSpanProcessorPaths, FullQueueDropsAndCountsWithoutBlocking) {
  Bsp b(GetParam(), {.schedule_delay = 60s,
                     .max_queue_size = 8,
                     .max_export_batch_size = 8,
                     .export_timeout = 60s});
  b.shared->delay = 60s;  // the exporter hangs: the queue cannot drain
  b.shared->ignore_deadline = true;
  const auto before = SdkCounters::instance().snapshot().spans_dropped;
  for (int i = 0; i < 100; ++i) b.processor->on_end(sampled_span());
  // 8 sit in the queue or in the hung export; the other 92 were dropped.
  EXPECT_EQ(b.processor->dropped(), 92u);
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_dropped - before, 92u);
  // Shutdown returns by its deadline although the exporter hangs.
  EXPECT_FALSE(b.processor->shutdown(Clock::now() + 100ms));
}

TEST_P(BatchSpanProcessorPaths, ForceFlushExportsEverythingQueued) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 100, .max_export_batch_size = 50});
  for (int i = 0; i < 3; ++i) b.processor->on_end(sampled_span(std::to_string(i)));
  EXPECT_TRUE(b.processor->force_flush(Clock::now() + 10s));
  std::lock_guard lock(b.shared->mu);
  ASSERT_EQ(b.shared->spans.size(), 3u);
  EXPECT_EQ(b.shared->spans[2].name, "2");
  EXPECT_GE(b.shared->flushes, 1);
}

TEST_P(BatchSpanProcessorPaths, ForceFlushReturnsFalseByDeadlineWhenExporterHangs) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 100, .max_export_batch_size = 50});
  b.shared->delay = 60s;
  b.shared->ignore_deadline = true;
  b.processor->on_end(sampled_span());
  EXPECT_FALSE(b.processor->force_flush(Clock::now() + 50ms));
  EXPECT_FALSE(b.processor->shutdown(Clock::now() + 50ms));
  // shutdown() aborted the hung export through exporter->shutdown().
  EXPECT_EQ(b.shared->shutdowns, 1);
}

TEST_P(BatchSpanProcessorPaths, ShutdownDrainsThenRejects) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 100, .max_export_batch_size = 50});
  for (int i = 0; i < 5; ++i) b.processor->on_end(sampled_span());
  EXPECT_TRUE(b.processor->shutdown(Clock::now() + 10s));
  EXPECT_EQ(b.shared->count(), 5u);
  EXPECT_EQ(b.shared->shutdowns, 1);
  b.processor->on_end(sampled_span());
  EXPECT_EQ(b.processor->dropped(), 1u);
  EXPECT_TRUE(b.processor->shutdown(Clock::now() + 10s));  // twice is fine
  EXPECT_TRUE(b.processor->force_flush(Clock::now() + 10s));
  EXPECT_EQ(b.shared->shutdowns, 1);
}

TEST_P(BatchSpanProcessorPaths, ManyThreadsLoseNothingWhenQueueIsLargeEnough) {
  Bsp b(GetParam(), {.schedule_delay = 5ms, .max_queue_size = 40000, .max_export_batch_size = 512});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) b.processor->on_end(sampled_span());
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(b.processor->shutdown(Clock::now() + 30s));
  EXPECT_EQ(b.shared->count(), 20000u);
  EXPECT_EQ(b.processor->dropped(), 0u);
}

// A pass the schedule delay starts flushes the exporter when batches went
// out since its last flush (an exporter may hold their outcome: OTLP's
// overlapped answers), and an idle processor leaves it alone.
TEST_P(BatchSpanProcessorPaths, TimedPassFlushesTheExporterOnlyAfterExports) {
  Bsp b(GetParam(), {.schedule_delay = 10ms, .max_queue_size = 100, .max_export_batch_size = 50});
  auto flushes = [&] {
    std::lock_guard lock(b.shared->mu);
    return b.shared->flushes;
  };
  std::this_thread::sleep_for(200ms);  // about twenty idle passes
  EXPECT_EQ(flushes(), 0);
  b.processor->on_end(sampled_span());
  ASSERT_TRUE(b.shared->wait_for(1, 10s));
  const auto give_up = Clock::now() + 10s;
  while (flushes() == 0 && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(flushes(), 1);
  std::this_thread::sleep_for(200ms);  // idle again
  EXPECT_EQ(flushes(), 1);
}

TEST(BatchSpanProcessor, ValidateRejectsZeroes) {
  EXPECT_FALSE(BatchSpanProcessorOptions{.max_queue_size = 0}.validate().empty());
  EXPECT_FALSE(BatchSpanProcessorOptions{.max_export_batch_size = 0}.validate().empty());
  EXPECT_FALSE(BatchSpanProcessorOptions{.schedule_delay = 0ms}.validate().empty());
  EXPECT_TRUE(BatchSpanProcessorOptions{}.validate().empty());
  EXPECT_THROW(BatchSpanProcessor(std::make_unique<RecordingExporter>(
                                      std::make_shared<RecordingExporter::Shared>()),
                                  {.max_queue_size = 0}),
               std::invalid_argument);
}

TEST_P(BatchSpanProcessorPaths, BatchLargerThanQueueIsClamped) {
  Bsp b(GetParam(), {.schedule_delay = 60s, .max_queue_size = 4, .max_export_batch_size = 100});
  for (int i = 0; i < 4; ++i) b.processor->on_end(sampled_span());
  // Reaching the (clamped) batch size of 4 wakes the worker without the timer.
  EXPECT_TRUE(b.shared->wait_for(4, 10s));
}

TEST(BatchSpanProcessor, OptionsFromEnv) {
  setenv("OTEL_BSP_SCHEDULE_DELAY", "250", 1);
  setenv("OTEL_BSP_MAX_QUEUE_SIZE", "4096", 1);
  setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "abc", 1);
  setenv("OTEL_BSP_EXPORT_TIMEOUT", " 1000 ", 1);
  std::vector<std::string> warnings;
  auto o = BatchSpanProcessorOptions::from_env(&warnings);
  EXPECT_EQ(o.schedule_delay, 250ms);
  EXPECT_EQ(o.max_queue_size, 4096u);
  EXPECT_EQ(o.max_export_batch_size, 512u);
  EXPECT_EQ(o.export_timeout, 1000ms);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), std::string::npos);
  setenv("OTEL_BSP_MAX_QUEUE_SIZE", "0", 1);
  warnings.clear();
  o = BatchSpanProcessorOptions::from_env(&warnings);
  EXPECT_EQ(o.max_queue_size, 2048u);  // invalid combination → all defaults
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_FALSE(o.encode_on_end);
  setenv("SPANLINE_BSP_ENCODE_ON_END", "TRUE", 1);
  EXPECT_TRUE(BatchSpanProcessorOptions::from_env().encode_on_end);
  for (auto* v :
       {"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_BSP_EXPORT_TIMEOUT", "SPANLINE_BSP_ENCODE_ON_END"})
    unsetenv(v);
}

TEST_P(BatchSpanProcessorPaths, EndToEndThroughTracer) {
  auto shared = std::make_shared<RecordingExporter::Shared>();
  TracerProviderOptions o;
  o.resource =
      std::make_shared<const Resource>(std::vector<Attribute>{{"service.name", attr("x")}});
  o.processors.push_back(
      std::make_unique<BatchSpanProcessor>(std::make_unique<RecordingExporter>(shared, GetParam()),
                                           BatchSpanProcessorOptions{.encode_on_end = GetParam()}));
  TracerProvider provider(std::move(o));
  for (int i = 0; i < 10; ++i) provider.get_tracer("t").start_span("s" + std::to_string(i)).end();
  provider.get_tracer("u", "2").start_span("other").end();
  EXPECT_TRUE(provider.force_flush(Clock::now() + 10s));
  ASSERT_EQ(shared->count(), 11u);
  std::lock_guard lock(shared->mu);
  EXPECT_TRUE(shared->sizes_matched);
  for (int i = 0; i < 10; ++i) {
    const SpanData& s = shared->spans[static_cast<std::size_t>(i)];
    EXPECT_EQ(s.name, "s" + std::to_string(i));
    ASSERT_NE(s.resource, nullptr);
    EXPECT_EQ(s.resource.get(), &provider.resource());
    ASSERT_NE(s.scope, nullptr);
    EXPECT_EQ(s.scope->name, "t");
  }
  EXPECT_EQ(shared->spans[10].scope->name, "u");
  EXPECT_EQ(shared->spans[10].scope->version, "2");
}

TEST(BatchSpanProcessor, EncodesOnTheEndingThreadAndRecyclesTheSpanThere) {
  auto shared = std::make_shared<RecordingExporter::Shared>();
  BatchSpanProcessor processor(
      std::make_unique<RecordingExporter>(shared, true),
      {.schedule_delay = 60s, .max_queue_size = 100, .encode_on_end = true});
  std::thread::id ender;
  std::thread([&] {
    ender = std::this_thread::get_id();
    auto span = sampled_span("on another thread");
    processor.on_end(std::move(span));
    // The span came back to this thread's pool: the next acquire is it.
    auto next = detail::SpanDataPool::instance().acquire();
    EXPECT_TRUE(next->name.empty());
    EXPECT_GE(next->name.capacity(), std::string("on another thread").size());
  }).join();
  ASSERT_TRUE(processor.force_flush(Clock::now() + 10s));
  EXPECT_EQ(shared->encoder.threads(), std::set<std::thread::id>{ender});
  std::lock_guard lock(shared->mu);
  ASSERT_EQ(shared->spans.size(), 1u);
  EXPECT_EQ(shared->spans[0].name, "on another thread");
}

// By default an exporter's span encoder is not used where spans end: the
// worker hands the exporter SpanData (still packed, since the encoder reads
// packed attributes, so export_spans must too) and recycles them itself.
TEST(BatchSpanProcessor, ByDefaultTheWorkerTakesSpansAnEncoderCouldEncodeWhereTheyEnd) {
  auto shared = std::make_shared<RecordingExporter::Shared>();
  BatchSpanProcessor processor(std::make_unique<RecordingExporter>(shared, true),
                               {.schedule_delay = 60s, .max_queue_size = 100});
  EXPECT_FALSE(BatchSpanProcessorOptions{}.encode_on_end);
  EXPECT_FALSE(processor.reads_packed_attributes());  // NameEncoder does not read them
  std::thread([&] {
    for (int i = 0; i < 5; ++i) processor.on_end(sampled_span("s" + std::to_string(i)));
  }).join();
  ASSERT_TRUE(processor.force_flush(Clock::now() + 10s));
  EXPECT_TRUE(shared->encoder.threads().empty());
  std::lock_guard lock(shared->mu);
  ASSERT_EQ(shared->spans.size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(shared->spans[static_cast<std::size_t>(i)].name, "s" + std::to_string(i));
}

TEST(BatchSpanProcessor, EncodedBatchesSplitAtMaxExportBatchSizeWithTheirOwnBytes) {
  auto shared = std::make_shared<RecordingExporter::Shared>();
  BatchSpanProcessor processor(std::make_unique<RecordingExporter>(shared, true),
                               {.schedule_delay = 60s,
                                .max_queue_size = 1000,
                                .max_export_batch_size = 7,
                                .encode_on_end = true});
  // Names of different lengths, so a wrong byte range shows as wrong names.
  for (int i = 0; i < 100; ++i)
    processor.on_end(sampled_span(std::string(i % 13 + 1, 'a' + i % 26)));
  ASSERT_TRUE(processor.force_flush(Clock::now() + 10s));
  std::lock_guard lock(shared->mu);
  EXPECT_TRUE(shared->sizes_matched);
  ASSERT_EQ(shared->spans.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(shared->spans[static_cast<std::size_t>(i)].name,
              std::string(i % 13 + 1, 'a' + i % 26));
  for (auto n : shared->batch_sizes) EXPECT_LE(n, 7u);
}

}  // namespace
}  // namespace spanline::telemetry
