#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "../test_traces.h"
#include "processors/attributes_processor.h"
#include "processors/batch_processor.h"
#include "processors/memory_limiter.h"
#include "processors/probabilistic_sampler.h"

namespace spanline::collector {
namespace {

using namespace std::chrono_literals;
using testing::make_traces;

// Records what reaches the end of a processor chain.
class Sink final : public TracesConsumer {
 public:
  ConsumeResult consume(Traces traces) noexcept override {
    std::lock_guard lock(mu);
    spans += traces.span_count;
    batches.push_back(std::move(traces));
    return ConsumeResult::ok();
  }
  std::size_t span_total() {
    std::lock_guard lock(mu);
    return spans;
  }
  std::mutex mu;
  std::vector<Traces> batches;
  std::size_t spans = 0;
};

std::string text_of(const KeyValues& kvs, const std::string& key) {
  for (const auto& kv : kvs)
    if (kv.key() == key) {
      const auto& v = kv.value();
      if (v.has_string_value()) return v.string_value();
      if (v.has_int_value()) return "int:" + std::to_string(v.int_value());
      if (v.has_bool_value()) return v.bool_value() ? "true" : "false";
      return "other";
    }
  return "<absent>";
}

TEST(AttributeActions, InsertUpdateUpsertDeleteAndFromAttribute) {
  Traces t = make_traces(1);
  KeyValues& attrs =
      *t.request->mutable_resource_spans(0)->mutable_resource()->mutable_attributes();
  std::vector<AttributeAction> actions = {
      {"service.name", AttributeActionKind::kInsert, std::string("ignored"), {}},
      {"collector.type", AttributeActionKind::kInsert, std::string("sidecar"), {}},
      {"missing", AttributeActionKind::kUpdate, std::string("x"), {}},
      {"service.name", AttributeActionKind::kUpdate, std::string("renamed"), {}},
      {"copied", AttributeActionKind::kUpsert, {}, std::string("service.name")},
      {"from.nothing", AttributeActionKind::kUpsert, {}, std::string("absent")},
      {"count", AttributeActionKind::kUpsert, std::int64_t{3}, {}},
      {"flag", AttributeActionKind::kInsert, true, {}},
      {"collector.type", AttributeActionKind::kDelete, {}, {}},
  };
  apply_attribute_actions(actions, attrs);
  EXPECT_EQ(text_of(attrs, "service.name"), "renamed");
  EXPECT_EQ(text_of(attrs, "missing"), "<absent>");
  EXPECT_EQ(text_of(attrs, "copied"), "renamed");
  EXPECT_EQ(text_of(attrs, "from.nothing"), "<absent>");
  EXPECT_EQ(text_of(attrs, "count"), "int:3");
  EXPECT_EQ(text_of(attrs, "flag"), "true");
  EXPECT_EQ(text_of(attrs, "collector.type"), "<absent>");
}

TEST(AttributesProcessor, ResourceAndSpanTargets) {
  Sink sink;
  AttributesProcessorConfig config{
      {{"collector.name", AttributeActionKind::kInsert, std::string("central"), {}}}};
  AttributesProcessor resource(config, AttributesProcessor::Target::kResource);
  AttributesProcessor spans(config, AttributesProcessor::Target::kSpans);
  resource.set_next(&spans);
  spans.set_next(&sink);
  ASSERT_TRUE(resource.consume(make_traces(3)).is_ok());
  ASSERT_EQ(sink.batches.size(), 1u);
  const auto& rs = sink.batches[0].request->resource_spans(0);
  EXPECT_EQ(text_of(rs.resource().attributes(), "collector.name"), "central");
  for (const auto& span : rs.scope_spans(0).spans())
    EXPECT_EQ(text_of(span.attributes(), "collector.name"), "central");
}

TEST(ProbabilisticSampler, KeepsAboutThePercentageConsistentlyByTraceId) {
  Metrics metrics;
  Sink sink;
  ProbabilisticSampler sampler("probabilistic_sampler", {25, 7}, metrics);
  sampler.set_next(&sink);
  Traces t = make_traces(20000);
  const Traces copy = t.clone();
  ASSERT_TRUE(sampler.consume(std::move(t)).is_ok());
  const double kept = static_cast<double>(sink.span_total()) / 20000;
  EXPECT_NEAR(kept, 0.25, 0.02);
  // The same ids decide the same way, in another instance with the same seed.
  ProbabilisticSampler again("other", {25, 7}, metrics);
  std::size_t agree = 0;
  for (const auto& span : copy.request->resource_spans(0).scope_spans(0).spans())
    agree += sampler.keep(span.trace_id()) == again.keep(span.trace_id());
  EXPECT_EQ(agree, 20000u);
  EXPECT_NE(
      metrics.render().find("otelcol_processor_dropped_spans{processor=\"probabilistic_sampler\"}"),
      std::string::npos);
}

TEST(ProbabilisticSampler, ZeroDropsAllAndHundredKeepsAll) {
  Metrics metrics;
  Sink sink;
  ProbabilisticSampler none("none", {0, 0}, metrics);
  none.set_next(&sink);
  ASSERT_TRUE(none.consume(make_traces(100)).is_ok());
  EXPECT_EQ(sink.span_total(), 0u);
  ProbabilisticSampler all("all", {100, 0}, metrics);
  all.set_next(&sink);
  ASSERT_TRUE(all.consume(make_traces(100)).is_ok());
  EXPECT_EQ(sink.span_total(), 100u);
}

TEST(SplitTraces, PiecesKeepResourceScopeAndOrder) {
  Traces t = make_traces(25);
  auto pieces = split_traces(std::move(t), 10);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].span_count, 10u);
  EXPECT_EQ(pieces[2].span_count, 5u);
  std::int64_t expected = 0;
  for (auto& p : pieces) {
    EXPECT_EQ(count_spans(*p.request), p.span_count);
    const auto& rs = p.request->resource_spans(0);
    EXPECT_EQ(text_of(rs.resource().attributes(), "service.name"), "svc");
    EXPECT_EQ(rs.scope_spans(0).scope().name(), "test");
    for (const auto& span : rs.scope_spans(0).spans())
      EXPECT_EQ(span.attributes(0).value().int_value(), expected++);
  }
}

TEST(BatchProcessor, SendsFullBatchesSplitsAndFlushesOnShutdown) {
  Metrics metrics;
  Sink sink;
  BatchProcessor batch("batch", {std::chrono::hours(1), 10, 15}, metrics);
  batch.set_next(&sink);
  batch.start();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(batch.consume(make_traces(7)).is_ok());
  batch.consume(make_traces(3));  // 31 in all
  batch.shutdown(Clock::now() + 5s);
  EXPECT_EQ(sink.span_total(), 31u);
  for (const auto& b : sink.batches) EXPECT_LE(b.span_count, 15u);
  EXPECT_FALSE(batch.consume(make_traces(1)).is_ok());  // stopped
}

TEST(BatchProcessor, TimeoutSendsAPartialBatch) {
  Metrics metrics;
  Sink sink;
  BatchProcessor batch("batch", {std::chrono::milliseconds(20), 1000, 0}, metrics);
  batch.set_next(&sink);
  batch.start();
  ASSERT_TRUE(batch.consume(make_traces(5)).is_ok());
  for (int i = 0; i < 500 && sink.span_total() < 5; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sink.span_total(), 5u);
  EXPECT_NE(
      metrics.render().find("otelcol_processor_batch_timeout_trigger_send{processor=\"batch\"} 1"),
      std::string::npos);
  batch.shutdown(Clock::now() + 5s);
}

TEST(MemoryLimiter, RefusesAboveTheSoftLimitAndPassesBelow) {
  Metrics metrics;
  Sink sink;
  MemoryLimiter tiny("memory_limiter", {std::chrono::milliseconds(10), 2, 1, 0, 0}, metrics);
  tiny.set_next(&sink);
  tiny.start();  // this process uses far more than 1 MiB
  ConsumeResult r = tiny.consume(make_traces(4));
  EXPECT_EQ(r.status, ConsumeResult::Status::kRetryable);
  EXPECT_GT(r.retry_after.count(), 0);
  EXPECT_EQ(sink.span_total(), 0u);
  tiny.shutdown(Clock::now());
  tiny.shutdown(Clock::now());  // twice is fine

  MemoryLimiter roomy("roomy", {std::chrono::milliseconds(10), 1 << 20, 0, 0, 0}, metrics);
  roomy.set_next(&sink);
  roomy.start();
  EXPECT_TRUE(roomy.consume(make_traces(4)).is_ok());
  EXPECT_EQ(sink.span_total(), 4u);
  const std::uint64_t hard = std::uint64_t{1} << 40;
  EXPECT_EQ(roomy.soft_limit_bytes(), hard - hard / 5);
  EXPECT_NE(
      metrics.render().find("otelcol_processor_refused_spans{processor=\"memory_limiter\"} 4"),
      std::string::npos);
}

}  // namespace
}  // namespace spanline::collector
