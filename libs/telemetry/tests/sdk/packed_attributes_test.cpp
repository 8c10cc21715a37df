// Attributes packed into protobuf form as a span sets them: what a processor
// that reads them gets, what everyone else gets, and every way back to
// Attribute objects.
#include "sdk/packed_attributes.h"
#include "sdk/span_data_pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "spanline/telemetry/sdk/tracer.h"
#include "test_exporter.h"

namespace spanline::telemetry {
namespace {

// Declares that it reads packed attributes; notes whether each span came
// packed, then unpacks and keeps it.
class PackedRecorder final : public SpanProcessor {
 public:
  struct Seen {
    bool packed = false;
    std::size_t packed_bytes = 0;
    SpanData span;
  };
  explicit PackedRecorder(std::vector<Seen>& seen) : seen_(seen) {}
  void on_end(std::unique_ptr<SpanData> span) noexcept override {
    Seen s;
    s.packed = !span->packed_attributes.empty();
    s.packed_bytes = span->packed_attributes.bytes.size();
    detail::unpack_attributes(*span);
    s.span = *span;
    seen_.push_back(std::move(s));
  }
  bool reads_packed_attributes() const noexcept override { return true; }
  bool force_flush(Deadline) noexcept override { return true; }
  bool shutdown(Deadline) noexcept override { return true; }

 private:
  std::vector<Seen>& seen_;
};

struct Fixture {
  explicit Fixture(SpanLimits limits = {}) {
    TracerProviderOptions o;
    o.resource = std::make_shared<const Resource>();
    o.processors.push_back(std::make_unique<PackedRecorder>(seen));
    o.limits = limits;
    provider = std::make_unique<TracerProvider>(std::move(o));
  }
  std::vector<PackedRecorder::Seen> seen;
  std::unique_ptr<TracerProvider> provider;
  Tracer& tracer() { return provider->get_tracer("t"); }
};

TEST(PackedAttributes, ScalarsAndStringsArePackedAndComeBackInOrder) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("http.request.method", "POST");
    s.set_attribute("server.port", 8090);
    s.set_attribute("ok", true);
    s.set_attribute("ratio", -0.25);
    s.set_attribute("", "empty key");
    s.set_attribute("big", std::int64_t{-1});
    s.set_attribute("nan", std::nan(""));
  }
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_TRUE(f.seen[0].packed);
  const auto& a = f.seen[0].span.attributes;
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a[0].key, "http.request.method");
  EXPECT_EQ(std::get<std::string>(a[0].value), "POST");
  EXPECT_EQ(std::get<std::int64_t>(a[1].value), 8090);
  EXPECT_EQ(std::get<bool>(a[2].value), true);
  EXPECT_EQ(std::get<double>(a[3].value), -0.25);
  EXPECT_EQ(a[4].key, "");
  EXPECT_EQ(std::get<std::string>(a[4].value), "empty key");
  EXPECT_EQ(std::get<std::int64_t>(a[5].value), -1);
  EXPECT_TRUE(std::isnan(std::get<double>(a[6].value)));
}

TEST(PackedAttributes, ReplacingAKeyUnpacksAndKeepsItsPlace) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("a", "first");
    s.set_attribute("b", 1);
    s.set_attribute("a", 2.5);  // a string replaced by a double
    s.set_attribute("c", "after");
  }
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_FALSE(f.seen[0].packed);  // objects from the replacement on
  const auto& a = f.seen[0].span.attributes;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].key, "a");
  EXPECT_EQ(std::get<double>(a[0].value), 2.5);
  EXPECT_EQ(std::get<std::int64_t>(a[1].value), 1);
  EXPECT_EQ(std::get<std::string>(a[2].value), "after");
}

TEST(PackedAttributes, ArraysAndInvalidUtf8GoToObjectsAfterThePackedOnes) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("a", "packed");
    s.set_attribute("list", AttributeValue(std::vector<std::int64_t>{1, 2}));
    s.set_attribute("z", "later");
  }
  {
    auto s = f.tracer().start_span("t");
    s.set_attribute("bad", std::string_view("\xff", 1));
    s.set_attribute("good", "x");
  }
  ASSERT_EQ(f.seen.size(), 2u);
  const auto& a = f.seen[0].span.attributes;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(std::get<std::string>(a[0].value), "packed");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(a[1].value).size(), 2u);
  EXPECT_EQ(std::get<std::string>(a[2].value), "later");
  // Invalid text stays as given, for the encoder to substitute.
  EXPECT_FALSE(f.seen[1].packed);
  EXPECT_EQ(std::get<std::string>(f.seen[1].span.attributes[0].value), "\xff");
}

TEST(PackedAttributes, LimitsApplyToPackedAttributes) {
  SpanLimits limits;
  limits.attribute_count = 2;
  limits.attribute_value_length = 3;
  Fixture f(limits);
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("a", "abcdef");
    s.set_attribute("b", 1);
    s.set_attribute("c", 2);
    s.set_attribute("d", "x");
  }
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_TRUE(f.seen[0].packed);
  const auto& d = f.seen[0].span;
  ASSERT_EQ(d.attributes.size(), 2u);
  EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "abc");
  EXPECT_EQ(d.dropped_attributes_count, 2u);
}

TEST(PackedAttributes, DataUnpacksForReaders) {
  Fixture f;
  auto s = f.tracer().start_span("s");
  s.set_attribute("a", "v");
  const SpanData* d = s.data();
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->attributes.size(), 1u);
  EXPECT_TRUE(d->packed_attributes.empty());
  s.set_attribute("b", 2);  // on objects from now on
  s.end();
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_FALSE(f.seen[0].packed);
  EXPECT_EQ(f.seen[0].span.attributes.size(), 2u);
}

TEST(PackedAttributes, ProcessorsThatDoNotReadThemNeverSeePackedSpans) {
  auto shared = std::make_shared<testing::RecordingExporter::Shared>();
  std::vector<PackedRecorder::Seen> seen;
  TracerProviderOptions o;
  o.resource = std::make_shared<const Resource>();
  // Two processors: the one that could read packed spans gets a copy, so
  // nothing is packed at all.
  o.processors.push_back(std::make_unique<PackedRecorder>(seen));
  o.processors.push_back(
      std::make_unique<SimpleSpanProcessor>(std::make_unique<testing::RecordingExporter>(shared)));
  TracerProvider provider(std::move(o));
  {
    auto s = provider.get_tracer("t").start_span("s");
    s.set_attribute("a", "v");
    s.set_attribute("n", 3);
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].packed);
  ASSERT_EQ(shared->spans.size(), 1u);
  ASSERT_EQ(shared->spans[0].attributes.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(shared->spans[0].attributes[1].value), 3);
}

TEST(PackedAttributes, RecycledSpansStartWithNothingPacked) {
  SpanData s;
  ASSERT_EQ(detail::pack_attribute(s, "k", "v", 0, 0, 128), detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "k", "w", 0, 0, 128), detail::PackResult::kUnpackable);
  detail::reset(s);
  EXPECT_TRUE(s.packed_attributes.empty());
  EXPECT_TRUE(s.packed_attributes.bytes.empty());
  EXPECT_EQ(detail::pack_attribute(s, "k", "w", 0, 0, 128), detail::PackResult::kPacked);
}

}  // namespace
}  // namespace spanline::telemetry
