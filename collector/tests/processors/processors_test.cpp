#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
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
    spans += traces.span_count();
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
      *t.requests()[0]->mutable_resource_spans(0)->mutable_resource()->mutable_attributes();
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
  const auto& rs = sink.batches[0].requests()[0]->resource_spans(0);
  EXPECT_EQ(text_of(rs.resource().attributes(), "collector.name"), "central");
  for (const auto& span : rs.scope_spans(0).spans())
    EXPECT_EQ(text_of(span.attributes(), "collector.name"), "central");
}

TEST(AttributesProcessor, ResourceActionsLeaveWirePartsUndecodedWithTheSameResult) {
  AttributesProcessorConfig config;
  config.actions = {
      {"collector.name", AttributeActionKind::kInsert, std::string("sidecar"), {}},
      {"service.name", AttributeActionKind::kUpdate, std::string("renamed"), {}},
  };
  Sink wire_sink, decoded_sink;
  AttributesProcessor on_wire(config, AttributesProcessor::Target::kResource);
  AttributesProcessor on_decoded(config, AttributesProcessor::Target::kResource);
  on_wire.set_next(&wire_sink);
  on_decoded.set_next(&decoded_sink);
  Traces wire = testing::make_wire_traces(4, "a");
  wire.append(testing::make_wire_traces(3, "b"));
  Traces decoded = testing::make_traces(4, "a");
  decoded.append(testing::make_traces(3, "b"));
  ASSERT_TRUE(on_wire.consume(std::move(wire)).is_ok());
  ASSERT_TRUE(on_decoded.consume(std::move(decoded)).is_ok());
  ASSERT_EQ(wire_sink.batches.size(), 1u);
  const Traces& got = wire_sink.batches[0];
  EXPECT_EQ(got.decoded_part_count(), 0u);
  EXPECT_EQ(got.span_count(), 7u);
  const ExportTraceServiceRequest result = got.merged();
  EXPECT_EQ(result.SerializeAsString(), decoded_sink.batches[0].merged().SerializeAsString());
  EXPECT_EQ(text_of(result.resource_spans(1).resource().attributes(), "service.name"), "renamed");
  EXPECT_EQ(text_of(result.resource_spans(1).resource().attributes(), "collector.name"), "sidecar");
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
  const ExportTraceServiceRequest all = copy.merged();
  for (const auto& span : all.resource_spans(0).scope_spans(0).spans())
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
  auto pieces = std::move(t).split(10);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].span_count(), 10u);
  EXPECT_EQ(pieces[2].span_count(), 5u);
  std::int64_t expected = 0;
  for (auto& p : pieces) {
    const ExportTraceServiceRequest r = p.merged();
    EXPECT_EQ(count_spans(r), p.span_count());
    const auto& rs = r.resource_spans(0);
    EXPECT_EQ(text_of(rs.resource().attributes(), "service.name"), "svc");
    EXPECT_EQ(rs.scope_spans(0).scope().name(), "test");
    for (const auto& span : rs.scope_spans(0).spans())
      EXPECT_EQ(span.attributes(0).value().int_value(), expected++);
  }
}

TEST(SplitTraces, WholeWirePartsMoveUndecodedAndOnlyAStraddlingOneIsCut) {
  Traces t = testing::make_wire_traces(4, "a");
  t.append(testing::make_wire_traces(4, "b"));
  t.append(testing::make_traces(5, "c"));
  ASSERT_EQ(t.part_count(), 3u);
  auto pieces = std::move(t).split(8);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].span_count(), 8u);
  EXPECT_EQ(pieces[0].part_count(), 2u);  // a and b, as they came
  std::string wire;
  ASSERT_TRUE(pieces[0].append_proto(wire));
  EXPECT_EQ(wire, testing::make_request(4, "a").SerializeAsString() +
                      testing::make_request(4, "b").SerializeAsString());
  EXPECT_EQ(pieces[1].span_count(), 5u);
  EXPECT_EQ(text_of(pieces[1].merged().resource_spans(0).resource().attributes(), "service.name"),
            "c");
}

TEST(SplitTraces, AWirePartLargerThanTheLimitIsDecodedAndCut) {
  auto pieces = testing::make_wire_traces(10).split(4);
  ASSERT_EQ(pieces.size(), 3u);
  std::int64_t expected = 0;
  for (auto& p : pieces) {
    const ExportTraceServiceRequest r = p.merged();
    for (const auto& span : r.resource_spans(0).scope_spans(0).spans())
      EXPECT_EQ(span.attributes(0).value().int_value(), expected++);
  }
  EXPECT_EQ(expected, 10);
}

TEST(Traces, WireAndDecodedPartsEncodeAsOneRequest) {
  Traces t = testing::make_wire_traces(3, "a");
  t.append(testing::make_traces(2, "b"));
  EXPECT_EQ(t.span_count(), 5u);
  EXPECT_EQ(t.resource_spans_count(), 2u);
  EXPECT_EQ(t.decoded_part_count(), 1u);  // counting left the wire part as bytes
  std::string wire;
  ASSERT_TRUE(t.append_proto(wire));
  ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  ASSERT_EQ(parsed.resource_spans_size(), 2);
  EXPECT_EQ(count_spans(parsed), 5u);
  EXPECT_EQ(parsed.SerializeAsString(), t.merged().SerializeAsString());
  // A clone is independent: changing the original leaves it as it was.
  const Traces copy = t.clone();
  for (auto* request : t.requests()) request->clear_resource_spans();
  t.recount();
  EXPECT_EQ(t.span_count(), 0u);
  EXPECT_EQ(copy.span_count(), 5u);
  EXPECT_EQ(count_spans(copy.merged()), 5u);
}

TEST(Traces, RequestsDecodesWirePartsOnceAndChangesStick) {
  Traces t = testing::make_wire_traces(2);
  auto requests = t.requests();
  ASSERT_EQ(requests.size(), 1u);
  requests[0]->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("x");
  EXPECT_EQ(t.requests()[0], requests[0]);
  std::string wire;
  ASSERT_TRUE(t.append_proto(wire));
  ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).spans(0).name(), "x");
}

TEST(BatchProcessor, SendsFullBatchesSplitsAndFlushesOnShutdown) {
  Metrics metrics;
  Sink sink;
  BatchProcessor batch("batch", {std::chrono::hours(1), 10, 15}, metrics);
  batch.set_next(&sink);
  batch.start();
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(batch.consume(i % 2 ? make_traces(7) : testing::make_wire_traces(7)).is_ok());
  batch.consume(make_traces(3));  // 31 in all
  batch.shutdown(Clock::now() + 5s);
  EXPECT_EQ(sink.span_total(), 31u);
  for (const auto& b : sink.batches) EXPECT_LE(b.span_count(), 15u);
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

// A sink that holds every consume until opened.
class GatedSink final : public TracesConsumer {
 public:
  ConsumeResult consume(Traces traces) noexcept override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    spans_ += traces.span_count();
    return ConsumeResult::ok();
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  std::size_t spans() {
    std::lock_guard lock(mu_);
    return spans_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::size_t spans_ = 0;
};

TEST(BatchProcessor, WhenFullAConsumeWaitsForTheWorkerInsteadOfRefusing) {
  Metrics metrics;
  GatedSink sink;
  // Two batches (2 × 1024 spans) may be pending while the worker is busy.
  BatchProcessor batch("batch", {std::chrono::hours(1), 1000, 0}, metrics);
  batch.set_next(&sink);
  batch.start();
  ASSERT_TRUE(batch.consume(testing::make_wire_traces(1000)).is_ok());  // the worker takes it
  ASSERT_TRUE(batch.consume(testing::make_wire_traces(1500)).is_ok());  // pending
  std::atomic<bool> done{false};
  ConsumeResult third;
  std::thread t([&] {
    third = batch.consume(testing::make_wire_traces(1000));  // no room: waits
    done = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(done.load()) << "refused at once instead of waiting";
  sink.open();
  t.join();
  EXPECT_TRUE(third.is_ok()) << third.message;
  batch.shutdown(Clock::now() + 5s);
  EXPECT_EQ(sink.spans(), 3500u);
}

TEST(BatchProcessor, AConsumeThatFindsNoRoomWithinASecondIsRetryable) {
  Metrics metrics;
  GatedSink sink;
  BatchProcessor batch("batch", {std::chrono::hours(1), 1000, 0}, metrics);
  batch.set_next(&sink);
  batch.start();
  ASSERT_TRUE(batch.consume(testing::make_wire_traces(1000)).is_ok());
  ASSERT_TRUE(batch.consume(testing::make_wire_traces(1500)).is_ok());
  const ConsumeResult refused = batch.consume(testing::make_wire_traces(1000));
  EXPECT_EQ(refused.status, ConsumeResult::Status::kRetryable);
  EXPECT_NE(refused.message.find("full"), std::string::npos) << refused.message;
  sink.open();
  batch.shutdown(Clock::now() + 5s);
  EXPECT_EQ(sink.spans(), 2500u);
}

TEST(BatchProcessor, SendBatchSizeZeroBatchesByTimeout) {
  Metrics metrics;
  Sink sink;
  BatchProcessor batch("batch", {std::chrono::milliseconds(50), 0, 0}, metrics);
  batch.set_next(&sink);
  batch.start();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(batch.consume(make_traces(3)).is_ok());
  for (int i = 0; i < 200 && sink.span_total() < 15; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sink.span_total(), 15u);
  EXPECT_NE(
      metrics.render().find("otelcol_processor_batch_timeout_trigger_send{processor=\"batch\"}"),
      std::string::npos);
  batch.shutdown(Clock::now() + 5s);
}

}  // namespace
}  // namespace spanline::collector
