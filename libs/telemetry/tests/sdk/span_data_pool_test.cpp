#include "sdk/span_data_pool.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace spanline::telemetry::detail
