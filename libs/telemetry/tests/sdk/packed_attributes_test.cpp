// Attributes packed into protobuf form as a span sets them: what a processor
// that reads them gets, what everyone else gets, and every way back to
// Attribute objects.
#include "sdk/packed_attributes.h"
#include "sdk/span_data_pool.h"
#include "utf8.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <mutex>
#include <random>

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

TEST(PackedAttributes, KeysSharingAFilterBitStayDistinctAndReplacementsAreFound) {
  SpanData s;
  const std::pair<std::string, std::string> set[] = {{"url.scheme", "http"},
                                                     {"http.route", "/enrich"},
                                                     {"server.address", "a"},
                                                     {"client.address", "b"}};
  for (const auto& [key, value] : set)
    ASSERT_EQ(detail::pack_attribute(s, key, value, 0, 0, 128), detail::PackResult::kPacked) << key;
  // A new key whose filter bit is already set: told apart by parsing.
  std::string twin;
  for (char first = 'a'; first <= 'z' && twin.empty(); ++first) {
    for (char last = 'a'; last <= 'z' && twin.empty(); ++last) {
      const std::string candidate = std::string(1, first) + "mid" + last;
      if (detail::key_bit(candidate) == detail::key_bit("url.scheme")) twin = candidate;
    }
  }
  ASSERT_FALSE(twin.empty());
  EXPECT_EQ(detail::pack_attribute(s, twin, "", 2, 42, 128), detail::PackResult::kPacked);
  EXPECT_EQ(detail::pack_attribute(s, "client.address", "c", 0, 0, 128),
            detail::PackResult::kUnpackable);
  EXPECT_EQ(detail::pack_attribute(s, "http.route", "/x", 0, 0, 128),
            detail::PackResult::kUnpackable);
  EXPECT_EQ(detail::pack_attribute(s, twin, "again", 0, 0, 128), detail::PackResult::kUnpackable);
  EXPECT_EQ(detail::pack_attribute(s, "", "empty key", 0, 0, 128), detail::PackResult::kPacked);
  EXPECT_EQ(detail::pack_attribute(s, "", "again", 0, 0, 128), detail::PackResult::kUnpackable);
  EXPECT_EQ(s.packed_attributes.count, 6u);
  detail::unpack_attributes(s);
  ASSERT_EQ(s.attributes.size(), 6u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s.attributes[i].key, set[i].first);
    EXPECT_EQ(std::get<std::string>(s.attributes[i].value), set[i].second);
  }
  EXPECT_EQ(s.attributes[4].key, twin);
  EXPECT_EQ(std::get<std::int64_t>(s.attributes[4].value), 42);
  EXPECT_EQ(s.attributes[5].key, "");
  EXPECT_EQ(std::get<std::string>(s.attributes[5].value), "empty key");
}

TEST(PackedAttributes, LongKeysAndValuesAndEveryScalarRoundTrip) {
  // Lengths past one varint byte and every scalar kind, read back by parsing.
  SpanData s;
  const std::string long_key(300, 'k');
  const std::string long_value(20000, 'v');
  ASSERT_EQ(detail::pack_attribute(s, long_key, long_value, 0, 0, 128),
            detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "t", "", 1, 1, 128), detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "f", "", 1, 0, 128), detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "neg", "", 2, static_cast<std::uint64_t>(-5), 128),
            detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "pi", "", 3, std::bit_cast<std::uint64_t>(3.25), 128),
            detail::PackResult::kPacked);
  ASSERT_EQ(detail::pack_attribute(s, "empty", "", 0, 0, 128), detail::PackResult::kPacked);
  detail::unpack_attributes(s);
  ASSERT_EQ(s.attributes.size(), 6u);
  EXPECT_EQ(s.attributes[0].key, long_key);
  EXPECT_EQ(std::get<std::string>(s.attributes[0].value), long_value);
  EXPECT_EQ(std::get<bool>(s.attributes[1].value), true);
  EXPECT_EQ(std::get<bool>(s.attributes[2].value), false);
  EXPECT_EQ(std::get<std::int64_t>(s.attributes[3].value), -5);
  EXPECT_EQ(std::get<double>(s.attributes[4].value), 3.25);
  EXPECT_EQ(std::get<std::string>(s.attributes[5].value), "");
}

TEST(PackedAttributes, KeysAndValuesOfEveryShortLengthComeBackWhole) {
  // Keys and values of 0 to 40 bytes, ASCII and not, valid and not: what is
  // packed comes back byte for byte, what is not valid UTF-8 is refused.
  SpanData s;
  std::vector<std::pair<std::string, std::string>> packed;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string key = "k" + std::string(n, static_cast<char>('a' + n % 26));
    std::string value(n, static_cast<char>('A' + n % 26));
    if (n >= 2 && n % 3 == 0) value.replace(n / 2 - 1, 2, "\xC3\xA9");  // é, still valid
    ASSERT_EQ(detail::pack_attribute(s, key, value, 0, 0, 1000), detail::PackResult::kPacked) << n;
    packed.emplace_back(key, value);
    for (std::size_t at = 0; at < n; at += 5) {
      std::string bad = value;
      bad[at] = static_cast<char>(0xFF);
      EXPECT_EQ(detail::pack_attribute(s, key + "!", bad, 0, 0, 1000),
                detail::PackResult::kUnpackable)
          << n << " " << at;
    }
  }
  EXPECT_GT(s.packed_attributes.bytes.size(), 1000u);  // grown several times
  detail::unpack_attributes(s);
  ASSERT_EQ(s.attributes.size(), packed.size());
  for (std::size_t i = 0; i < packed.size(); ++i) {
    EXPECT_EQ(s.attributes[i].key, packed[i].first);
    EXPECT_EQ(std::get<std::string>(s.attributes[i].value), packed[i].second);
  }
}

TEST(PackedAttributes, CopiedSpanDataKeepsItsOwnBytes) {
  SpanData a;
  ASSERT_EQ(detail::pack_attribute(a, "k", "v", 0, 0, 128), detail::PackResult::kPacked);
  SpanData b = a;
  ASSERT_EQ(detail::pack_attribute(a, "other", "w", 0, 0, 128), detail::PackResult::kPacked);
  EXPECT_EQ(b.packed_attributes.bytes.view(),
            a.packed_attributes.bytes.view().substr(0, b.packed_attributes.bytes.size()));
  EXPECT_NE(b.packed_attributes.bytes.data(), a.packed_attributes.bytes.data());
  detail::unpack_attributes(b);
  ASSERT_EQ(b.attributes.size(), 1u);
  EXPECT_EQ(std::get<std::string>(b.attributes[0].value), "v");
  b = a;
  detail::unpack_attributes(b);
  EXPECT_EQ(b.attributes.size(), 2u);
}

TEST(Utf8, ShortCheckAgreesWithTheFullOne) {
  // Strings of 0 to 24 bytes over an alphabet of ASCII, lead and
  // continuation bytes and bytes never valid: the inline check for short
  // strings must answer exactly as the full one.
  const char alphabet[] = {'a',    'Z',    '\x7F', '\xC3', '\xA9', '\xE2', '\x82', '\xAC',
                           '\xF0', '\x9F', '\x98', '\x80', '\xC0', '\xFF', '\xED', '\xA0'};
  std::mt19937 rng(5);
  int valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text(rng() % 25, ' ');
    for (char& c : text) c = rng() % 4 == 0 ? alphabet[rng() % sizeof alphabet] : 'x';
    const bool full = detail::is_valid_utf8(text);
    valid += full;
    ASSERT_EQ(detail::is_valid_utf8_short(text), full) << i;
  }
  EXPECT_GT(valid, 1000);
  EXPECT_LT(valid, 199000);
}

// ---------------------------------------------------------------------------
// AttributeSet: prepared once, added to many spans

AttributeSet connection_set() {
  return AttributeSet({{"url.scheme", attr("http")},
                       {"server.port", attr(std::int64_t{8090})},
                       {"tls", attr(false)},
                       {"ratio", attr(0.5)},
                       {"url.scheme", attr("https")}});  // a later value replaces, in place
}

void expect_connection_attributes(const std::vector<Attribute>& a, std::size_t at) {
  ASSERT_GE(a.size(), at + 4);
  EXPECT_EQ(a[at].key, "url.scheme");
  EXPECT_EQ(std::get<std::string>(a[at].value), "https");
  EXPECT_EQ(std::get<std::int64_t>(a[at + 1].value), 8090);
  EXPECT_EQ(std::get<bool>(a[at + 2].value), false);
  EXPECT_EQ(std::get<double>(a[at + 3].value), 0.5);
}

TEST(AttributeSet, KeysAreUniqueLaterValuesReplacing) {
  const AttributeSet set = connection_set();
  ASSERT_EQ(set.attributes().size(), 4u);
  expect_connection_attributes(set.attributes(), 0);
}

TEST(AttributeSet, PackedSpansGetTheSameAttributesAsSetOneByOne) {
  Fixture f;
  const AttributeSet set = connection_set();
  for (int i = 0; i < 3; ++i) {  // one set, many spans
    auto s = f.tracer().start_span("s");
    s.set_attributes(set);
    s.set_attribute("http.route", "/enrich");
  }
  ASSERT_EQ(f.seen.size(), 3u);
  for (const auto& seen : f.seen) {
    EXPECT_TRUE(seen.packed);
    ASSERT_EQ(seen.span.attributes.size(), 5u);
    expect_connection_attributes(seen.span.attributes, 0);
    EXPECT_EQ(std::get<std::string>(seen.span.attributes[4].value), "/enrich");
  }
}

TEST(AttributeSet, KeysSetBeforeAreReplacedNotDoubled) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("server.port", std::int64_t{1});
    s.set_attribute("other", "kept");
    s.set_attributes(connection_set());
  }
  ASSERT_EQ(f.seen.size(), 1u);
  const auto& a = f.seen[0].span.attributes;
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].key, "server.port");
  EXPECT_EQ(std::get<std::int64_t>(a[0].value), 8090);
  EXPECT_EQ(a[1].key, "other");
}

TEST(AttributeSet, LimitsApply) {
  SpanLimits limits;
  limits.attribute_count = 3;
  limits.attribute_value_length = 2;
  Fixture f(limits);
  {
    auto s = f.tracer().start_span("s");
    s.set_attributes(connection_set());
  }
  ASSERT_EQ(f.seen.size(), 1u);
  const auto& d = f.seen[0].span;
  ASSERT_EQ(d.attributes.size(), 3u);
  EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "ht");
  EXPECT_EQ(d.dropped_attributes_count, 1u);
}

TEST(AttributeSet, ArraysAndInvalidUtf8AreSetLikeAnyAttribute) {
  Fixture f;
  const AttributeSet set({{"list", AttributeValue(std::vector<std::int64_t>{1, 2})},
                          {"bad", attr(std::string_view("a\xFFz"))},
                          {"n", attr(std::int64_t{7})}});
  {
    auto s = f.tracer().start_span("s");
    s.set_attributes(set);
  }
  ASSERT_EQ(f.seen.size(), 1u);
  const auto& a = f.seen[0].span.attributes;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(a[0].value), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(std::get<std::string>(a[1].value), "a\xFFz");  // the encoder substitutes later
  EXPECT_EQ(std::get<std::int64_t>(a[2].value), 7);
}

TEST(AttributeSet, UnpackedProvidersAndNonRecordingSpans) {
  auto shared = std::make_shared<testing::RecordingExporter::Shared>();
  TracerProviderOptions o;
  o.resource = std::make_shared<const Resource>();
  o.processors.push_back(
      std::make_unique<SimpleSpanProcessor>(std::make_unique<testing::RecordingExporter>(shared)));
  TracerProvider provider(std::move(o));
  {
    auto s = provider.get_tracer("t").start_span("s");
    s.set_attributes(connection_set());
  }
  ASSERT_EQ(shared->spans.size(), 1u);
  expect_connection_attributes(shared->spans[0].attributes, 0);
  Span idle;  // not recording: nothing happens
  idle.set_attributes(connection_set());
  EXPECT_FALSE(idle.is_recording());
}

}  // namespace
}  // namespace spanline::telemetry
