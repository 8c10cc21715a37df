#include "sdk/span_data_pool.h"

#include <gtest/gtest.h>

#include <thread>

#include "spanline/telemetry/sdk/batch_span_processor.h"
#include "spanline/telemetry/sdk/tracer.h"
#include "test_exporter.h"

namespace spanline::telemetry::detail {
namespace {

TEST(SpanDataPool, ResetClearsEveryField) {
  SpanData s;
  s.trace_id.bytes()[0] = 1;
  s.span_id.bytes()[0] = 2;
  s.parent_span_id.bytes()[0] = 3;
  s.trace_state = "a=b";
  s.trace_flags = 1;
  s.parent_is_remote = true;
  s.has_remote_flag = false;
  s.name = "a fairly long span name that needs the heap";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1;
  s.end_unix_nano = 2;
  s.attributes.push_back({"k", std::string("v")});
  s.dropped_attributes_count = 1;
  s.events.push_back({});
  s.dropped_events_count = 1;
  s.links.push_back({});
  s.dropped_links_count = 1;
  s.status = {StatusCode::kError, "bad"};
  s.resource = std::make_shared<const Resource>();
  s.scope = std::make_shared<const InstrumentationScope>();
  const auto name_capacity = s.name.capacity();
  reset(s);
  EXPECT_TRUE(s == SpanData{});
  EXPECT_EQ(s.resource, nullptr);
  EXPECT_EQ(s.scope, nullptr);
  EXPECT_EQ(s.name.capacity(), name_capacity);  // capacity is what recycling buys
}

TEST(SpanDataPool, ReleasedSpansComeBackCleared) {
  auto& pool = SpanDataPool::instance();
  std::vector<std::unique_ptr<SpanData>> batch;
  for (int i = 0; i < 3; ++i) {
    auto s = pool.acquire();
    s->name = "used";
    s->attributes.push_back({"k", std::int64_t{i}});
    batch.push_back(std::move(s));
  }
  pool.release(batch);
  EXPECT_TRUE(batch.empty());
  for (int i = 0; i < 3; ++i) {
    auto s = pool.acquire();
    EXPECT_TRUE(s->name.empty());
    EXPECT_TRUE(s->attributes.empty());
  }
}

TEST(SpanDataPool, RecycledSpansComeBackToTheSameThreadLastInFirstOut) {
  auto& pool = SpanDataPool::instance();
  std::thread([&] {
    auto a = pool.acquire();
    auto b = pool.acquire();
    a->name = "first";
    b->name = "second";
    // Spans from the shared pool may hold spares from earlier tests.
    b->spare_attributes = {};
    b->attributes.push_back({"k", std::string("a value past the small-string buffer")});
    SpanData* const b_address = b.get();
    pool.recycle(std::move(a));
    pool.recycle(std::move(b));
    auto again = pool.acquire();
    EXPECT_EQ(again.get(), b_address);  // the warmest one first
    EXPECT_TRUE(again->name.empty());
    EXPECT_TRUE(again->attributes.empty());
    EXPECT_EQ(again->spare_attributes.available(), 1u);
  }).join();
}

TEST(SpanDataPool, RecyclingMoreThanAStashHoldsLosesAndLeaksNothing) {
  auto& pool = SpanDataPool::instance();
  // More than a stash keeps: the overflow goes to the shared list in chunks
  // (the ASan run checks that nothing leaks or is freed twice), where a
  // thread that never recycled finds cleared spans.
  std::thread([&] {
    for (std::size_t i = 0; i < 4 * SpanDataPool::kChunk; ++i) {
      auto s = pool.acquire();
      s->name = "recycled on another thread, with a long name";
      pool.recycle(std::move(s));
      pool.recycle(std::make_unique<SpanData>());
    }
  }).join();
  std::thread([&] {
    auto s = pool.acquire();
    EXPECT_TRUE(s->name.empty());
    pool.recycle(nullptr);  // ignored
  }).join();
}

TEST(SpanDataPool, ResetKeepsAttributeObjectsAsSpares) {
  SpanData s;
  s.attributes.push_back({"a.key.longer.than.sso", std::string("a value longer than sso")});
  s.attributes.push_back({"k", std::int64_t{1}});
  s.attributes.push_back({std::string(1000, 'x'), std::string("huge keys are not hoarded")});
  reset(s);
  EXPECT_TRUE(s.attributes.empty());
  EXPECT_EQ(s.spare_attributes.available(), 2u);
}

TEST(SpanDataPool, SparesComeBackInTheOrderTheyWereSet) {
  SpanData s;
  s.attributes.push_back({"first", std::string("one")});
  s.attributes.push_back({"second", std::int64_t{2}});
  s.attributes.push_back({"third", std::string("three")});
  reset(s);
  ASSERT_EQ(s.spare_attributes.available(), 3u);
  // A span that sets only one attribute leaves two spares unused; they are
  // kept, ahead of the one it used.
  Attribute& a = append_attribute(s.attributes, &s.spare_attributes, "only");
  EXPECT_EQ(a.key, "only");
  EXPECT_EQ(std::get<std::string>(a.value), "one");  // the caller assigns over it
  a.value = std::string("x");
  EXPECT_EQ(s.spare_attributes.available(), 2u);
  reset(s);
  ASSERT_EQ(s.spare_attributes.available(), 3u);
  EXPECT_EQ(s.spare_attributes.items[0].key, "second");
  EXPECT_EQ(s.spare_attributes.items[1].key, "third");
  EXPECT_EQ(s.spare_attributes.items[2].key, "only");
}

// Spans recycled through the pool must carry nothing over: each round sets
// different keys and value types on recycled objects.
TEST(SpanDataPool, RecycledSpansCarryNothingOver) {
  using namespace std::chrono_literals;
  auto shared = std::make_shared<testing::RecordingExporter::Shared>();
  TracerProviderOptions o;
  o.resource = std::make_shared<const Resource>();
  o.processors.push_back(
      std::make_unique<BatchSpanProcessor>(std::make_unique<testing::RecordingExporter>(shared),
                                           BatchSpanProcessorOptions{.schedule_delay = 5ms}));
  TracerProvider provider(std::move(o));
  auto& tracer = provider.get_tracer("t");
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {
      auto span = tracer.start_span("round" + std::to_string(round));
      if (round == 0) {
        span.set_attribute("string.attribute.key.0", "a string value longer than sso");
        span.set_attribute("int.attribute", 7);
      } else if (round == 1) {
        span.set_attribute("string.attribute.key.0", 3.5);  // was a string on the recycled object
      } else {
        span.set_attribute("other.key", "x");
        span.set_attribute("other.key", "replaced");
      }
    }
    ASSERT_TRUE(provider.force_flush(Clock::now() + 10s));
  }
  std::lock_guard lock(shared->mu);
  ASSERT_EQ(shared->spans.size(), 600u);
  for (const auto& d : shared->spans) {
    if (d.name == "round0") {
      ASSERT_EQ(d.attributes.size(), 2u);
      EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "a string value longer than sso");
      EXPECT_EQ(std::get<std::int64_t>(d.attributes[1].value), 7);
    } else if (d.name == "round1") {
      ASSERT_EQ(d.attributes.size(), 1u);
      EXPECT_EQ(d.attributes[0].key, "string.attribute.key.0");
      EXPECT_EQ(std::get<double>(d.attributes[0].value), 3.5);
    } else {
      ASSERT_EQ(d.attributes.size(), 1u);
      EXPECT_EQ(d.attributes[0].key, "other.key");
      EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "replaced");
    }
  }
}

}  // namespace
}  // namespace spanline::telemetry::detail
